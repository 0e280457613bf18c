"""Refusals the wallet services raise; each has a stable code and a message for people."""

from __future__ import annotations

from django.utils.functional import Promise

from kefu.exchange.wallet.reasons import FailureReason, reason_text


class WalletError(Exception):
    """A request the wallet refuses. Nothing was changed when this is raised.

    ``field`` names the form field at fault (amount, address, memo, code), if any;
    ``reason`` is the taxonomy code when the refusal is one of the withdrawal failures.
    """

    def __init__(self, code: str, message: Promise | str, *, field: str = "",
                 reason: FailureReason | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.reason = reason

    @classmethod
    def for_reason(cls, reason: FailureReason, *, field: str = "",
                   message: Promise | str | None = None) -> WalletError:
        return cls(reason.value, message or reason_text(reason).explanation, field=field,
                   reason=reason)
