"""Models of the built-in exchange's customers and their account security."""

from kefu.exchange.accounts.models.activity import (
    ActivityEvent,
    ActivityKind,
    OutboxSms,
    SupportRequest,
)
from kefu.exchange.accounts.models.customer import (
    Customer,
    CustomerSession,
    CustomerState,
    KnownDevice,
)
from kefu.exchange.accounts.models.security import (
    BackupCode,
    CodePurpose,
    LoginAttempt,
    LoginThrottle,
    OneTimeCode,
    TotpDevice,
)

__all__ = [
    "ActivityEvent",
    "ActivityKind",
    "BackupCode",
    "CodePurpose",
    "Customer",
    "CustomerSession",
    "CustomerState",
    "KnownDevice",
    "LoginAttempt",
    "LoginThrottle",
    "OneTimeCode",
    "OutboxSms",
    "SupportRequest",
    "TotpDevice",
]
