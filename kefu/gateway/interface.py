"""What the desk may know about and do to an exchange account, whatever the exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

AccountState = Literal["active", "locked", "frozen"]


class GatewayError(Exception):
    """The exchange refused or could not perform a request."""


class GatewayUnavailable(GatewayError):
    """The exchange could not be reached or did not answer in time: show "context
    unavailable" and carry on; nothing is known about whether an action took effect."""


class UnknownCustomer(GatewayError):
    pass


class UnknownWithdrawal(GatewayError):
    pass


class ActionRefused(GatewayError):
    """The exchange understood the request and said no (``code`` says why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AccountSummary:
    customer_ref: str
    display_name: str
    masked_email: str
    masked_phone: str
    state: AccountState
    locked_until: datetime | None
    two_factor_enabled: bool
    verification_level: int
    registered_since: datetime
    withdrawals_blocked_until: datetime | None


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    kind: str
    description: str
    ip: str
    device: str
    location: str


@dataclass(frozen=True)
class FailureReason:
    """Why a withdrawal failed, as the customer reads it, in both languages."""

    code: str
    title_en: str
    title_zh_hans: str
    explanation_en: str
    explanation_zh_hans: str
    next_step_en: str
    next_step_zh_hans: str


@dataclass(frozen=True)
class WithdrawalSummary:
    ref: str
    customer_ref: str
    created_at: datetime
    asset: str
    network: str
    amount: str  # decimal string in the asset's precision, never a float
    fee: str
    address: str
    memo: str
    state: str
    retrying: bool
    reason: FailureReason | None
    tx_hash: str
    explorer_url: str
    can_retry: bool
    can_cancel: bool


class ExchangeGateway(Protocol):
    def find_customer(self, *, email: str | None = None, phone: str | None = None) -> str | None:
        """The customer reference for a verified email or phone, if there is an account."""
        ...

    def account_summary(self, customer_ref: str) -> AccountSummary: ...

    def recent_activity(self, customer_ref: str, *, limit: int = 20) -> list[ActivityItem]: ...

    def unlock(self, customer_ref: str, *, actor_label: str, reason: str) -> None: ...

    def freeze(self, customer_ref: str, *, actor_label: str, reason: str) -> None: ...

    def unfreeze(self, customer_ref: str, *, actor_label: str, reason: str) -> None: ...

    def reset_2fa(self, customer_ref: str, *, actor_label: str, reason: str) -> None: ...

    def withdrawals(self, customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
        """The customer's latest withdrawals, newest first, failure reasons included."""
        ...

    def withdrawal(self, withdrawal_ref: str) -> WithdrawalSummary: ...

    def retry_withdrawal(
        self, withdrawal_ref: str, *, actor_label: str, reason: str
    ) -> WithdrawalSummary:
        """Retry a transient failure on the customer's behalf; returns the new attempt."""
        ...

    def cancel_withdrawal(
        self, withdrawal_ref: str, *, actor_label: str, reason: str
    ) -> WithdrawalSummary: ...
