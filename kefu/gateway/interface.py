"""What the desk may know about and do to an exchange account, whatever the exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

AccountState = Literal["active", "locked", "frozen"]


class GatewayError(Exception):
    """The exchange refused or could not perform a request."""


class UnknownCustomer(GatewayError):
    pass


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

    # Withdrawals (list, status, retry) join this interface with the wallet issue.
