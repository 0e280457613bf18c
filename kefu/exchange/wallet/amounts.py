"""Strict parsing of amounts typed by customers: plain decimal notation, nothing clever.

``Decimal("1e3")``, ``Decimal("NaN")``, ``Decimal("١٢")`` (Arabic-Indic digits) and
``float`` rounding are all ways for a typed amount to mean something other than what the
customer saw; only ASCII digits with at most one point are accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Far above any real withdrawal, far below what the database columns hold.
MAX_AMOUNT = Decimal(10) ** 15
_PLAIN_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")


class AmountError(ValueError):
    def __init__(self, code: str, message: Promise | str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def parse_amount(raw: str, *, precision: int) -> Decimal:
    """The amount as a Decimal, or :class:`AmountError` saying exactly what is wrong."""
    text = raw.strip(" \t\r\n")
    if not text:
        raise AmountError("empty", _("Enter an amount."))
    lowered = text.lower()
    if lowered.lstrip("+-") in {"nan", "snan", "inf", "infinity"}:
        raise AmountError("not_a_number", _("Enter an amount as a number, like 12.5."))
    if text.startswith("-"):
        raise AmountError("negative", _("The amount cannot be negative."))
    if "e" in lowered and _PLAIN_RE.match(lowered.replace("e", "", 1).replace("+", "")
                                          .replace("-", "")):
        raise AmountError("exponent",
                          _("Write the amount in full (like 1500), not in exponent notation."))
    if "," in text:
        raise AmountError("format", _("Use a point as the decimal separator and no thousands "
                                      "separators, like 1234.5."))
    if not _PLAIN_RE.match(text):
        raise AmountError("format", _("Enter an amount as a number, like 12.5."))
    value = Decimal(text)
    if value == 0:
        raise AmountError("zero", _("The amount must be more than zero."))
    if value >= MAX_AMOUNT:
        raise AmountError("too_large", _("This amount is too large."))
    decimals = len(text.partition(".")[2].rstrip("0"))
    if decimals > precision:
        raise AmountError(
            "too_many_decimals",
            _("This asset allows at most %(places)d decimal places.") % {"places": precision},
        )
    return value
