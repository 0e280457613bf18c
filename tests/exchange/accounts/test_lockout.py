"""Lockout, lock expiry, per-IP throttling, brute force, and answers that reveal nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import ActivityEvent, ActivityKind, Customer, CustomerState
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.accounts.services.signin import signin_complete

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def wrong(identifier: str, client: ClientInfo, times: int) -> list[str]:
    return [
        login_attempt(identifier=identifier, password="wrong-password", client=client).outcome
        for _ in range(times)
    ]


def test_fifth_wrong_password_locks_for_the_configured_time(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False):
        assert wrong("alice@example.com", client_info, 5) == ["invalid"] * 4 + ["locked"]
        customer.refresh_from_db()
        assert customer.state == CustomerState.LOCKED
        assert customer.locked_until == timezone.now() + timedelta(
            minutes=settings.KEFU_LOCKOUT_MINUTES
        )
        # Even the right password is refused while locked, without being checked.
        result = login_attempt(
            identifier="alice@example.com", password=PASSWORD, client=client_info
        )
        assert result.outcome == "locked"
        assert result.locked_until == customer.locked_until
    assert ActivityEvent.objects.filter(customer=customer, kind=ActivityKind.LOCKED).count() == 1


@override_settings(KEFU_LOGIN_MAX_FAILURES=3, KEFU_LOCKOUT_MINUTES=5)
def test_limits_come_from_settings(customer: Customer, client_info: ClientInfo) -> None:
    assert wrong("alice@example.com", client_info, 3)[-1] == "locked"
    customer.refresh_from_db()
    assert customer.locked_until is not None
    assert customer.locked_until - timezone.now() <= timedelta(minutes=5)


def test_lock_expires(customer: Customer, client_info: ClientInfo) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        wrong("alice@example.com", client_info, 5)
        traveller.shift(timedelta(minutes=settings.KEFU_LOCKOUT_MINUTES - 1))
        assert login_attempt(
            identifier="alice@example.com", password=PASSWORD, client=client_info
        ).outcome == "locked"
        traveller.shift(timedelta(minutes=2))
        assert login_attempt(
            identifier="alice@example.com", password=PASSWORD, client=client_info
        ).outcome == "ok"
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert customer.failed_logins == 0


def test_failures_outside_the_window_do_not_add_up(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        wrong("alice@example.com", client_info, 4)
        traveller.shift(timedelta(minutes=16))
        assert wrong("alice@example.com", client_info, 4) == ["invalid"] * 4
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_many_ips_against_one_account_still_lock_it(customer: Customer) -> None:
    outcomes = [
        login_attempt(
            identifier="alice@example.com",
            password=f"guess-{n}",
            client=ClientInfo(ip=f"198.51.100.{n}"),
        ).outcome
        for n in range(1, 8)
    ]
    assert outcomes == ["invalid"] * 4 + ["locked"] * 3
    customer.refresh_from_db()
    assert customer.is_locked()


def test_one_ip_against_many_accounts_is_throttled(
    make_customer: Callable[..., Customer],
) -> None:
    make_customer("victim@example.com")
    attacker = ClientInfo(ip="192.0.2.66")
    outcomes = [o for n in range(20) for o in wrong(f"user{n}@example.com", attacker, 1)]
    assert outcomes == ["invalid"] * 20  # 20 different accounts, one try each
    # The address is now blocked: even a right password is not checked from it.
    result = login_attempt(identifier="victim@example.com", password=PASSWORD, client=attacker)
    assert result.outcome == "throttled"
    # Other addresses are unaffected.
    other = login_attempt(
        identifier="victim@example.com", password=PASSWORD, client=ClientInfo(ip="192.0.2.1")
    )
    assert other.outcome == "ok"


def test_ip_block_ends_after_the_window(make_customer: Callable[..., Customer]) -> None:
    make_customer("victim@example.com")
    attacker = ClientInfo(ip="192.0.2.66")
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        for n in range(20):
            wrong(f"user{n}@example.com", attacker, 1)
        traveller.shift(timedelta(minutes=16))
        result = login_attempt(identifier="victim@example.com", password=PASSWORD, client=attacker)
    assert result.outcome == "ok"


def test_unknown_account_answers_exactly_like_a_real_one(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False):
        real = [login_attempt(identifier="alice@example.com", password="x", client=client_info)
                for _ in range(6)]
        ghost = [login_attempt(identifier="nobody@example.com", password="x", client=client_info)
                 for _ in range(6)]
    assert [r.outcome for r in real] == [g.outcome for g in ghost]
    assert [r.locked_until for r in real] == [g.locked_until for g in ghost]


def test_burst_of_failures_is_reported_at_next_sign_in(
    customer: Customer, client_info: ClientInfo
) -> None:
    wrong("alice@example.com", ClientInfo(ip="198.51.100.9"), 3)
    result = login_attempt(identifier="alice@example.com", password=PASSWORD, client=client_info)
    assert result.outcome == "ok"
    assert result.customer_id is not None
    signed_in = signin_complete(customer_id=result.customer_id, client=client_info, session_key="")
    assert signed_in.failed_since_last_login == 3


def test_login_by_phone_in_any_format(make_customer: Callable[..., Customer]) -> None:
    make_customer("+86 138 0013 8000")
    client = ClientInfo(ip="203.0.113.1")
    for typed in ("13800138000", "+8613800138000", "+86-138-0013-8000"):
        assert login_attempt(identifier=typed, password=PASSWORD, client=client).outcome == "ok"
