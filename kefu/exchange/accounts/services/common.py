"""Pieces shared by the account services (called inside their transactions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q, QuerySet

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.lockout import Counter
from kefu.exchange.accounts.models import (
    ActivityEvent,
    ActivityKind,
    Customer,
    CustomerSession,
    CustomerState,
)


class AccountError(Exception):
    """A request the account services refuse; ``code`` is stable, the message is for logs."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def customer_for_update(customer_id: int) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer_id)


def customer_by_identifier_for_update(kind: str, value: str) -> Customer | None:
    lookup = Q(email=value) if kind == "email" else Q(phone=value)
    return Customer.objects.select_for_update().filter(lookup).first()


def spend_hasher_time(password: str) -> None:
    """Do the work of a password check when there is nothing to check against."""
    make_password(password)


def customers_for_update(ids: list[int]) -> QuerySet[Customer]:
    return Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk")


def record_activity(
    customer: Customer,
    kind: ActivityKind,
    *,
    now: datetime,
    client: ClientInfo | None = None,
    data: dict[str, Any] | None = None,
) -> ActivityEvent:
    return ActivityEvent.objects.create(
        customer=customer,
        kind=kind,
        created_at=now,
        ip=client.ip if client else None,
        user_agent=client.user_agent if client else "",
        device_label=client.device_label if client else "",
        device_fingerprint=client.device_fingerprint if client else "",
        location=client.location if client else "",
        data=data or {},
    )


def start_cooldown(customer: Customer, *, reason: str, now: datetime) -> None:
    hours: int = settings.KEFU_SECURITY_COOLDOWN_HOURS
    until = now + timedelta(hours=hours)
    if customer.withdrawal_cooldown_until is None or customer.withdrawal_cooldown_until < until:
        customer.withdrawal_cooldown_until = until
        customer.cooldown_reason = reason


def counter_of(customer: Customer) -> Counter:
    return Counter(customer.failed_logins, customer.failed_window_started_at, customer.locked_until)


def set_counter(customer: Customer, counter: Counter) -> None:
    customer.failed_logins = counter.failures
    customer.failed_window_started_at = counter.window_started_at
    customer.locked_until = counter.locked_until
    if counter.locked_until is not None and customer.state == CustomerState.ACTIVE:
        customer.state = CustomerState.LOCKED
    elif counter.locked_until is None and customer.state == CustomerState.LOCKED:
        customer.state = CustomerState.ACTIVE


def end_all_sessions(customer: Customer, *, now: datetime) -> int:
    """Invalidate every session of the customer: the generation check refuses them at once,
    and their server-side session data is deleted after commit."""
    customer.session_generation += 1
    live = CustomerSession.objects.filter(customer=customer, ended_at__isnull=True)
    keys = [k for k in live.values_list("session_key", flat=True) if k]
    count = live.update(ended_at=now)

    def delete_stored_sessions() -> None:
        engine = import_module(settings.SESSION_ENGINE)
        for key in keys:
            engine.SessionStore(session_key=key).delete()

    transaction.on_commit(delete_stored_sessions)
    return count
