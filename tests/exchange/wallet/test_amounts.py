"""Typed amounts: plain decimal notation only, within the asset's precision."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.exchange.wallet.amounts import AmountError, parse_amount


@pytest.mark.parametrize(("text", "expected"), [
    ("1", Decimal(1)), ("0.5", Decimal("0.5")), (" 12.345678 ", Decimal("12.345678")),
    ("100.000000000", Decimal(100)),  # trailing zeros beyond the precision are harmless
    ("999999999999999", Decimal("999999999999999")),
])
def test_plain_amounts(text: str, expected: Decimal) -> None:
    assert parse_amount(text, precision=6) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"), ("  ", "empty"),
    ("-1", "negative"), ("-0.5", "negative"),
    ("0", "zero"), ("0.000", "zero"),
    ("NaN", "not_a_number"), ("nan", "not_a_number"), ("sNaN", "not_a_number"),
    ("Infinity", "not_a_number"), ("-inf", "not_a_number"),
    ("1e3", "exponent"), ("1E-3", "exponent"), ("2.5e+2", "exponent"),
    ("1.1234567", "too_many_decimals"),
    ("1000000000000000", "too_large"), ("9" * 40, "too_large"),
    ("1,000", "format"), ("1 000", "format"), (".5", "format"), ("5.", "format"),
    ("+5", "format"), ("0x10", "format"), ("１２", "format"), ("١٢", "format"),
    ("1_000", "format"), ("12abc", "format"),
])
def test_bad_amounts(text: str, code: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, precision=6)
    assert caught.value.code == code
    assert str(caught.value.message)
