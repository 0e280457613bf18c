"""TOTP with replay protection, backup codes, 2FA at sign-in and for sensitive actions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
import time_machine
from django.utils import timezone

from kefu.core import totp
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import BackupCode, Customer, TotpDevice
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.accounts.services.twofa import (
    login_second_factor,
    totp_disable,
    totp_enable,
)

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
START = "2026-03-01 10:00:00+00:00"


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enable(customer: Customer, client: ClientInfo) -> tuple[str, list[str]]:
    secret = totp.new_secret()
    codes = totp_enable(customer_id=customer.pk, secret=secret,
                        code=code_at(secret, timezone.now()), client=client)
    assert codes is not None
    return secret, codes


def test_enable_needs_a_valid_code_and_gives_ten_backup_codes(
    customer: Customer, client_info: ClientInfo
) -> None:
    secret = totp.new_secret()
    assert totp_enable(customer_id=customer.pk, secret=secret, code="000000",
                       client=client_info) is None or code_at(secret, timezone.now()) == "000000"
    assert not TotpDevice.objects.exists()
    codes = totp_enable(customer_id=customer.pk, secret=secret,
                        code=code_at(secret, timezone.now()), client=client_info)
    assert codes is not None
    assert len(set(codes)) == 10
    assert BackupCode.objects.filter(customer=customer).count() == 10
    assert customer.two_factor_enabled


@pytest.mark.parametrize("secret", ["", "short", "!" * 32, "A" * 31 + "1", "a" * 500])
def test_invalid_secrets_are_refused(
    customer: Customer, client_info: ClientInfo, secret: str
) -> None:
    with pytest.raises(AccountError):
        totp_enable(customer_id=customer.pk, secret=secret, code="123456", client=client_info)
    assert not TotpDevice.objects.exists()


def test_sign_in_asks_for_the_second_factor(customer: Customer, client_info: ClientInfo) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret, _codes = enable(customer, client_info)
        traveller.shift(timedelta(seconds=60))
        result = login_attempt(identifier="alice@example.com", password=PASSWORD,
                               client=client_info)
        assert result.outcome == "need_2fa"
        code = code_at(secret, timezone.now())
        assert login_second_factor(customer_id=customer.pk, code=code,
                                   client=client_info).outcome == "ok"
        # The same code again (same time step) is a replay.
        assert login_second_factor(customer_id=customer.pk, code=code,
                                   client=client_info).outcome == "invalid"


def test_code_of_previous_step_accepted_older_refused(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret, _codes = enable(customer, client_info)
        traveller.shift(timedelta(minutes=5))
        now = timezone.now()
        too_old = code_at(secret, now - timedelta(seconds=90))
        previous = code_at(secret, now - timedelta(seconds=30))
        if too_old not in {previous, code_at(secret, now), code_at(secret, now + timedelta(30))}:
            assert login_second_factor(customer_id=customer.pk, code=too_old,
                                       client=client_info).outcome == "invalid"
        assert login_second_factor(customer_id=customer.pk, code=previous,
                                   client=client_info).outcome == "ok"


def test_backup_codes_work_once(customer: Customer, client_info: ClientInfo) -> None:
    _secret, codes = enable(customer, client_info)
    assert login_second_factor(customer_id=customer.pk, code=codes[0].upper(),
                               client=client_info).outcome == "ok"
    assert login_second_factor(customer_id=customer.pk, code=codes[0],
                               client=client_info).outcome == "invalid"
    assert BackupCode.objects.filter(used_at__isnull=False).count() == 1


def test_wrong_second_factor_codes_lock_the_account(
    customer: Customer, client_info: ClientInfo
) -> None:
    enable(customer, client_info)
    outcomes = [login_second_factor(customer_id=customer.pk, code="not-a-code",
                                    client=client_info).outcome for _ in range(5)]
    assert outcomes == ["invalid"] * 4 + ["locked"]


def test_turning_totp_off_needs_a_code_and_starts_cooldown(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret, _codes = enable(customer, client_info)
        traveller.shift(timedelta(minutes=1))
        assert not totp_disable(customer_id=customer.pk, code="12345x", client=client_info)
        assert TotpDevice.objects.exists()
        assert totp_disable(customer_id=customer.pk, code=code_at(secret, timezone.now()),
                            client=client_info)
    customer.refresh_from_db()
    assert not customer.two_factor_enabled
    assert customer.cooldown_reason == "2fa_disabled"
    assert not BackupCode.objects.exists()


def test_qr_code_is_inline_svg() -> None:
    svg = totp.qr_svg(totp.provisioning_uri(totp.new_secret(), account="a@b.c", issuer="Demo"))
    assert svg.startswith("<svg")
    assert "<script" not in svg
