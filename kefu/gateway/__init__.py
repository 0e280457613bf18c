"""The exchange gateway: how the desk reads a customer's account and asks for actions.

The desk never imports the exchange's models (see docs/accounts.md); it calls
``get_gateway()`` and gets whatever implementation KEFU_GATEWAY names.
"""

from __future__ import annotations

from django.conf import settings

from kefu.gateway.interface import (
    AccountSummary,
    ActionRefused,
    ActivityItem,
    ExchangeGateway,
    FailureReason,
    GatewayError,
    GatewayUnavailable,
    UnknownCustomer,
    UnknownWithdrawal,
    WithdrawalSummary,
)
from kefu.gateway.signing import SignatureError
from kefu.gateway.signing import verify as verify_signature


def get_gateway() -> ExchangeGateway:
    kind: str = settings.KEFU_GATEWAY
    if kind == "builtin":
        from kefu.gateway.builtin import BuiltinGateway

        return BuiltinGateway()
    if kind == "remote":
        from kefu.gateway.remote import RemoteGateway

        return RemoteGateway.from_settings()
    raise GatewayError(f"unknown gateway {kind!r}")


__all__ = [
    "AccountSummary",
    "ActionRefused",
    "ActivityItem",
    "ExchangeGateway",
    "FailureReason",
    "GatewayError",
    "GatewayUnavailable",
    "SignatureError",
    "UnknownCustomer",
    "UnknownWithdrawal",
    "WithdrawalSummary",
    "get_gateway",
    "verify_signature",
]
