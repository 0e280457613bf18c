"""Reads for the funds record (资金记录): deposits and withdrawals, newest first.

Pages use a keyset cursor (time, kind, id) instead of an offset, so page 500 costs what
page 1 costs: each kind is read with ``LIMIT page+1`` from its (customer, created_at, id)
index and the two short lists are merged.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils import timezone

from kefu.exchange.wallet.models import (
    Deposit,
    DepositState,
    Withdrawal,
    WithdrawalState,
)

Kind = Literal["deposit", "withdrawal"]
# Within the same instant withdrawals sort before deposits (rank 1 before 0, descending).
_RANK: dict[str, int] = {"withdrawal": 1, "deposit": 0}
STATUS_GROUPS: dict[str, tuple[list[str], list[str]]] = {
    # status filter → (withdrawal states, deposit states)
    "in_progress": ([WithdrawalState.SUBMITTED, WithdrawalState.RISK_REVIEW,
                     WithdrawalState.PROCESSING, WithdrawalState.BROADCAST],
                    [DepositState.PENDING]),
    "completed": ([WithdrawalState.COMPLETED], [DepositState.CREDITED]),
    "failed": ([WithdrawalState.FAILED, WithdrawalState.REJECTED], []),
    "cancelled": ([WithdrawalState.CANCELLED], []),
}


@dataclass(frozen=True)
class RecordFilter:
    asset: str = ""
    kind: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Cursor:
    at: datetime
    rank: int
    id: int

    def encode(self) -> str:
        micros = int(self.at.timestamp() * 1_000_000)
        return f"{micros}.{self.rank}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        try:
            micros, rank, pk = (int(part) for part in text.split("."))
            at = datetime.fromtimestamp(micros / 1_000_000, tz=timezone.get_current_timezone())
        except (ValueError, OverflowError, OSError):
            return None
        if rank not in (0, 1) or pk < 0:
            return None
        return cls(at, rank, pk)


@dataclass(frozen=True)
class RecordRow:
    kind: Kind
    id: int
    ref: str  # the withdrawal's public id (links to its page); empty for deposits
    created_at: datetime
    asset: str
    network: str
    amount: Decimal
    fee: Decimal
    state: str
    state_label: str
    reason: str
    retrying: bool
    precision: int

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, _RANK[self.kind], self.id)


@dataclass(frozen=True)
class RecordPage:
    rows: list[RecordRow]
    next_cursor: str


def _after(cursor: Cursor | None, rank: int) -> Q:
    """Rows that come after ``cursor`` in (created_at, rank, id) descending order."""
    if cursor is None:
        return Q()
    if rank < cursor.rank:
        return Q(created_at__lte=cursor.at)
    if rank > cursor.rank:
        return Q(created_at__lt=cursor.at)
    return Q(created_at__lt=cursor.at) | Q(created_at=cursor.at, id__lt=cursor.id)


def _day_bounds(filters: RecordFilter) -> Q:
    tz = timezone.get_current_timezone()
    q = Q()
    if filters.date_from:
        q &= Q(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        q &= Q(created_at__lt=end)
    return q


def _withdrawals(customer_id: int, filters: RecordFilter, cursor: Cursor | None,
                 limit: int) -> list[RecordRow]:
    qs: QuerySet[Withdrawal] = Withdrawal.objects.filter(customer_id=customer_id)
    if filters.asset:
        qs = qs.filter(asset__code=filters.asset)
    if filters.status:
        qs = qs.filter(state__in=STATUS_GROUPS[filters.status][0])
    qs = qs.filter(_day_bounds(filters), _after(cursor, 1)).select_related("asset", "network")
    return [
        RecordRow("withdrawal", w.pk, str(w.public_id), w.created_at, w.asset.code,
                  w.network.display_name, w.amount, w.fee, w.state,
                  str(w.get_state_display()), w.failure_reason, w.is_retrying, w.asset.precision)
        for w in qs.order_by("-created_at", "-id")[:limit]
    ]


def _deposits(customer_id: int, filters: RecordFilter, cursor: Cursor | None,
              limit: int) -> list[RecordRow]:
    qs: QuerySet[Deposit] = Deposit.objects.filter(customer_id=customer_id)
    if filters.asset:
        qs = qs.filter(asset__code=filters.asset)
    if filters.status:
        qs = qs.filter(state__in=STATUS_GROUPS[filters.status][1])
    qs = qs.filter(_day_bounds(filters), _after(cursor, 0)).select_related("asset", "network")
    return [
        RecordRow("deposit", d.pk, "", d.created_at, d.asset.code, d.network.display_name,
                  d.amount, Decimal(0), d.state, str(d.get_state_display()), "", False,
                  d.asset.precision)
        for d in qs.order_by("-created_at", "-id")[:limit]
    ]


def funds_record(*, customer_id: int, filters: RecordFilter, cursor: str = "",
                 page_size: int = 20) -> RecordPage:
    after = Cursor.decode(cursor) if cursor else None
    lists: list[list[RecordRow]] = []
    if filters.kind in ("", "withdrawal"):
        lists.append(_withdrawals(customer_id, filters, after, page_size + 1))
    if filters.kind in ("", "deposit"):
        lists.append(_deposits(customer_id, filters, after, page_size + 1))
    merged = list(heapq.merge(*lists, key=lambda r: (r.created_at, _RANK[r.kind], r.id),
                              reverse=True))
    rows = merged[:page_size]
    more = len(merged) > page_size
    return RecordPage(rows, rows[-1].cursor.encode() if more and rows else "")
