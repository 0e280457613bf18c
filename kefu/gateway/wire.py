"""The JSON shapes on the wire, shared by the HTTP facade and the remote gateway.

Bodies are the interface's dataclasses as JSON (datetimes ISO 8601 with offset, amounts as
decimal strings). Unknown extra fields are ignored when reading, so an exchange may send
more than Kefu uses.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from kefu.gateway.interface import AccountSummary, ActivityItem, WithdrawalSummary

SUMMARY: TypeAdapter[AccountSummary] = TypeAdapter(AccountSummary)
ACTIVITY: TypeAdapter[list[ActivityItem]] = TypeAdapter(list[ActivityItem])
WITHDRAWAL: TypeAdapter[WithdrawalSummary] = TypeAdapter(WithdrawalSummary)
WITHDRAWALS: TypeAdapter[list[WithdrawalSummary]] = TypeAdapter(list[WithdrawalSummary])


def dump(adapter: TypeAdapter[Any], value: Any) -> Any:
    """A JSON-ready Python value (for JsonResponse)."""
    return adapter.dump_python(value, mode="json")
