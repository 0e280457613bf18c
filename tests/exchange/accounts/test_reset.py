"""Password reset codes: single use, 10 minutes, 5 wrong tries; the reset lifts the lock."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import (
    ActivityKind,
    CodePurpose,
    Customer,
    CustomerSession,
    CustomerState,
    OneTimeCode,
    OutboxSms,
)
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.accounts.services.reset import reset_complete, reset_request
from kefu.exchange.accounts.services.signin import signin_complete

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "a brand new passphrase 42"
Commits = Callable[[], AbstractContextManager[Any]]


def request_code(identifier: str, commits: Commits) -> str:
    with commits():
        reset_request(identifier=identifier)
    texts = [m.body for m in mail.outbox] + [s.body for s in OutboxSms.objects.all()]
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def test_code_by_email_resets_the_password(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    code = request_code("Alice@Example.com", commits)
    assert mail.outbox[0].to == ["alice@example.com"]
    assert reset_complete(identifier="alice@example.com", code=code, new_password=NEW,
                          client=client_info)
    assert login_attempt(identifier="alice@example.com", password=NEW,
                         client=client_info).outcome == "ok"
    assert login_attempt(identifier="alice@example.com", password=PASSWORD,
                         client=client_info).outcome == "invalid"


def test_code_by_sms_for_phone_accounts(
    make_customer: Callable[..., Customer], client_info: ClientInfo, commits: Commits
) -> None:
    make_customer("+8613800138000")
    code = request_code("13800138000", commits)
    assert OutboxSms.objects.get().to == "+8613800138000"
    assert reset_complete(identifier="+8613800138000", code=code, new_password=NEW,
                          client=client_info)


def test_code_is_single_use(customer: Customer, client_info: ClientInfo, commits: Commits) -> None:
    code = request_code("alice@example.com", commits)
    assert reset_complete(identifier="alice@example.com", code=code, new_password=NEW,
                          client=client_info)
    assert not reset_complete(identifier="alice@example.com", code=code,
                              new_password="another passphrase 77", client=client_info)
    assert login_attempt(identifier="alice@example.com", password=NEW,
                         client=client_info).outcome == "ok"


def test_code_expires_after_ten_minutes(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        code = request_code("alice@example.com", commits)
        traveller.shift(timedelta(minutes=10, seconds=1))
        assert not reset_complete(identifier="alice@example.com", code=code, new_password=NEW,
                                  client=client_info)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_fifth_wrong_code_kills_the_code(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    code = request_code("alice@example.com", commits)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert not reset_complete(identifier="alice@example.com", code=wrong, new_password=NEW,
                                  client=client_info)
    # The sixth try, even with the right code, fails: the code is dead.
    assert not reset_complete(identifier="alice@example.com", code=code, new_password=NEW,
                              client=client_info)
    assert OneTimeCode.objects.get().attempts == 5
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_new_code_replaces_the_old_one(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        first = request_code("alice@example.com", commits)
        traveller.shift(timedelta(minutes=2))
        second = request_code("alice@example.com", commits)
        if first != second:
            assert not reset_complete(identifier="alice@example.com", code=first,
                                      new_password=NEW, client=client_info)
        assert reset_complete(identifier="alice@example.com", code=second, new_password=NEW,
                              client=client_info)


def test_reset_lifts_the_lock_ends_sessions_and_starts_cooldown(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    signin_complete(customer_id=customer.pk, client=client_info, session_key="")
    for _ in range(5):
        login_attempt(identifier="alice@example.com", password="nope", client=client_info)
    customer.refresh_from_db()
    assert customer.state == CustomerState.LOCKED
    generation = customer.session_generation
    code = request_code("alice@example.com", commits)
    with commits():
        assert reset_complete(identifier="alice@example.com", code=code, new_password=NEW,
                              client=client_info)
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert customer.locked_until is None
    assert customer.session_generation == generation + 1
    assert not CustomerSession.objects.filter(customer=customer, ended_at__isnull=True).exists()
    assert customer.withdrawal_cooldown_until is not None
    assert customer.withdrawal_cooldown_until - timezone.now() > timedelta(hours=23, minutes=59)
    assert customer.withdrawals_blocked()
    assert customer.activity.filter(kind=ActivityKind.PASSWORD_RESET).exists()
    assert login_attempt(identifier="alice@example.com", password=NEW,
                         client=client_info).outcome == "ok"


def test_unknown_account_takes_the_same_path_and_sends_nothing(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    with commits() as callbacks:
        reset_request(identifier="nobody@example.com")
    assert callbacks == []
    assert mail.outbox == []
    assert not reset_complete(identifier="nobody@example.com", code="123456", new_password=NEW,
                              client=client_info)
    assert not OneTimeCode.objects.exists()


def test_codes_are_stored_hashed(customer: Customer, commits: Commits) -> None:
    code = request_code("alice@example.com", commits)
    row = OneTimeCode.objects.get()
    assert row.purpose == CodePurpose.RESET
    assert code not in row.code_hash
