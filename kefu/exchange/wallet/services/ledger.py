"""The only code that changes a balance: it writes the ledger entries that explain it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kefu.exchange.wallet.models import (
    Balance,
    Bucket,
    Deposit,
    EntryKind,
    LedgerEntry,
    Withdrawal,
)


class LedgerInvariantError(RuntimeError):
    """A move would make a bucket negative: a bug in the caller, never a customer error."""


def ledger_move(
    balance: Balance,
    *,
    kind: EntryKind,
    now: datetime,
    available: Decimal = Decimal(0),
    in_flight: Decimal = Decimal(0),
    withdrawal: Withdrawal | None = None,
    deposit: Deposit | None = None,
) -> None:
    """Add ``available`` and ``in_flight`` (signed) to a balance locked by the caller."""
    new_available = balance.available + available
    new_in_flight = balance.in_flight + in_flight
    if new_available < 0 or new_in_flight < 0:
        raise LedgerInvariantError(f"balance {balance.pk} would go negative")
    entries = [
        LedgerEntry(balance=balance, bucket=bucket, kind=kind, amount=delta, created_at=now,
                    withdrawal=withdrawal, deposit=deposit)
        for bucket, delta in ((Bucket.AVAILABLE, available), (Bucket.IN_FLIGHT, in_flight))
        if delta != 0
    ]
    LedgerEntry.objects.bulk_create(entries)
    balance.available = new_available
    balance.in_flight = new_in_flight
    balance.save(update_fields=["available", "in_flight"])
