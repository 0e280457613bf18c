"""Password login with lockout, per-IP throttling and answers that never reveal an account.

The customer row is locked (``select_for_update``) while the password is checked, so
concurrent guesses against one account are counted one after the other and can never
exceed the limit. Identifiers that match no account get a throttle row that locks the
same way, so "locked" shows up identically whether or not the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.crypto import keyed_hash
from kefu.exchange.accounts.identifiers import parse_identifier
from kefu.exchange.accounts.lockout import CLEARED, Counter, Policy, after_failure
from kefu.exchange.accounts.models import (
    ActivityKind,
    Customer,
    CustomerState,
    LoginAttempt,
    LoginThrottle,
)
from kefu.exchange.accounts.services.common import (
    counter_of,
    customer_by_identifier_for_update,
    record_activity,
    set_counter,
    spend_hasher_time,
)
from kefu.exchange.accounts.tasks import notify
from kefu.gateway.events import emit

Outcome = Literal["ok", "need_2fa", "invalid", "locked", "throttled", "frozen"]


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    customer_id: int | None = None
    locked_until: datetime | None = None


def _throttle_for_update(key: str) -> LoginThrottle:
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(key=key)
    return row


def _throttle_failure(key: str, now: datetime, policy: Policy) -> Counter:
    row = _throttle_for_update(key)
    before = Counter(row.failures, row.window_started_at, row.locked_until)
    counter = after_failure(before, now, policy)
    row.failures, row.window_started_at, row.locked_until = (
        counter.failures,
        counter.window_started_at,
        counter.locked_until,
    )
    row.save(update_fields=["failures", "window_started_at", "locked_until"])
    return counter


def ip_blocked_until(ip: str | None, now: datetime) -> datetime | None:
    if not ip:
        return None
    return LoginThrottle.objects.filter(key=f"ip:{ip}", locked_until__gt=now).values_list(
        "locked_until", flat=True
    ).first()


def ip_failure(ip: str | None, now: datetime) -> None:
    """Count a failure against the client's address (last lock in the fixed order)."""
    if ip:
        _throttle_failure(f"ip:{ip}", now, Policy.for_ips())


def _log_attempt(ident_hash: str, client: ClientInfo, customer: Customer | None, outcome: str,
                 now: datetime) -> None:
    LoginAttempt.objects.create(
        created_at=now, ip=client.ip, identifier_hash=ident_hash, customer=customer, outcome=outcome
    )


def _lookup_value(identifier: str) -> tuple[str, str] | None:
    try:
        return parse_identifier(identifier)
    except ValidationError:
        return None


def login_attempt(*, identifier: str, password: str, client: ClientInfo) -> LoginResult:
    now = timezone.now()
    parsed = _lookup_value(identifier)
    ident_hash = keyed_hash("identifier", parsed[1] if parsed else identifier.strip().lower())

    if ip_blocked_until(client.ip, now) is not None:
        # Refused before any password check: a blocked address learns nothing more.
        _log_attempt(ident_hash, client, None, "throttled", now)
        return LoginResult("throttled")

    with transaction.atomic():
        customer = None
        if parsed is not None:
            field, value = parsed
            customer = customer_by_identifier_for_update(field, value)
        if customer is None:
            result = _unknown_identifier(ident_hash, password, client, now)
        else:
            result = _known_customer(customer, password, client, now)
        _log_attempt(ident_hash, client, customer, result.outcome, now)
    return result


def _unknown_identifier(ident_hash: str, password: str, client: ClientInfo,
                        now: datetime) -> LoginResult:
    row = _throttle_for_update(f"id:{ident_hash}")
    if row.locked_until is not None and row.locked_until > now:
        return LoginResult("locked", locked_until=row.locked_until)
    spend_hasher_time(password)  # spends the hasher's time, like a real check
    counter = _throttle_failure(f"id:{ident_hash}", now, Policy.for_accounts())
    ip_failure(client.ip, now)
    if counter.locked_at(now):
        return LoginResult("locked", locked_until=counter.locked_until)
    return LoginResult("invalid")


def register_customer_failure(customer: Customer, client: ClientInfo, now: datetime,
                              *, step: str, purpose: str = "") -> LoginResult:
    """A wrong password or 2FA code: count it, maybe lock, log it. Customer row is locked."""
    counter = after_failure(counter_of(customer), now, Policy.for_accounts())
    set_counter(customer, counter)
    customer.save(update_fields=["failed_logins", "failed_window_started_at", "locked_until",
                                 "state"])
    record_activity(customer, ActivityKind.LOGIN_FAILED, now=now, client=client,
                    data={"step": step, "purpose": purpose} if purpose else {"step": step})
    ip_failure(client.ip, now)
    if counter.locked_at(now):
        record_activity(customer, ActivityKind.LOCKED, now=now, client=client,
                        data={"until": counter.locked_until.isoformat() if counter.locked_until
                              else ""})
        notify(customer, "locked")
        emit("account.locked", {"customer_ref": customer.public_id,
                                "locked_until": counter.locked_until.isoformat()
                                if counter.locked_until else ""})
        return LoginResult("locked", customer.pk, counter.locked_until)
    return LoginResult("invalid", customer.pk)


def _known_customer(customer: Customer, password: str, client: ClientInfo,
                    now: datetime) -> LoginResult:
    if customer.is_locked(now):
        return LoginResult("locked", customer.pk, customer.locked_until)
    if not customer.check_password(password):
        return register_customer_failure(customer, client, now, step="password")
    if customer.state == CustomerState.FROZEN:
        # Said only to someone who knows the password.
        return LoginResult("frozen", customer.pk)
    if customer.failed_logins or customer.state == CustomerState.LOCKED:
        set_counter(customer, CLEARED)
        customer.save(update_fields=["failed_logins", "failed_window_started_at",
                                     "locked_until", "state"])
    if customer.two_factor_enabled:
        return LoginResult("need_2fa", customer.pk)
    return LoginResult("ok", customer.pk)
