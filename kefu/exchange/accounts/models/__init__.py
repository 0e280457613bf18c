"""Models of the built-in exchange's customers and their account security."""

from kefu.exchange.accounts.models.activity import (
    ActivityEvent,
    ActivityKind,
    OutboxSms,
    SupportRequest,
)
from kefu.exchange.accounts.models.customer import (
    CooldownReason,
    Customer,
    CustomerSession,
    CustomerState,
    KnownDevice,
    WithdrawalBlock,
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
    "CooldownReason",
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
    "WithdrawalBlock",
]
