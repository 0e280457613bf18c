"""Signed-in changes: password, email, phone, SMS 2FA off, backup codes; each with its 2FA,
activity event, security notice and withdrawal cool-down. Refusals change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kefu.core import totp
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import (
    ActivityKind,
    BackupCode,
    CodePurpose,
    Customer,
    CustomerSession,
    OutboxSms,
)
from kefu.exchange.accounts.services.changes import (
    address_change_confirm,
    address_change_start,
    password_change,
    sms_2fa_disable,
)
from kefu.exchange.accounts.services.codes import code_issue
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.accounts.services.twofa import backup_codes_replace, totp_enable

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
Commits = Callable[[], AbstractContextManager[Any]]
NEW_PASSWORD = "another long passphrase 77"
START = "2026-03-01 10:00:00+00:00"


def url(name: str, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(f"accounts:{name}")


def sign_in(client: Client, identifier: str = "alice@example.com") -> None:
    response = client.post(url("login"), {"identifier": identifier, "password": PASSWORD})
    assert response.status_code == 302


def enable_totp(customer: Customer, client: ClientInfo) -> tuple[str, list[str]]:
    secret = totp.new_secret()
    codes = totp_enable(customer_id=customer.pk, secret=secret,
                        code=pyotp.TOTP(secret).now(), client=client)
    assert codes is not None
    return secret, codes


def kinds(customer: Customer) -> list[str]:
    return list(customer.activity.values_list("kind", flat=True))


def assert_cooldown(customer: Customer, reason: str) -> None:
    customer.refresh_from_db()
    block = customer.withdrawal_block()
    assert block is not None
    assert block.reason == reason
    assert block.until is not None
    assert block.until - timezone.now() > timedelta(hours=23, minutes=59)


# --- password ---------------------------------------------------------------------------

def test_password_change_needs_current_password_and_starts_cooldown(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    Customer.objects.filter(pk=customer.pk).update(anti_phishing_code="Tiger88")
    with pytest.raises(AccountError) as refused:
        password_change(customer_id=customer.pk, current_password="wrong", new_password="x",
                        code="", client=client_info, keep_session_id=None)
    assert refused.value.code == "wrong_password"
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert customer.failed_logins == 1  # counted towards the lock
    assert customer.withdrawal_block() is None
    with commits():
        password_change(customer_id=customer.pk, current_password=PASSWORD,
                        new_password=NEW_PASSWORD, code="", client=client_info,
                        keep_session_id=None)
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert_cooldown(customer, "password_changed")
    assert ActivityKind.PASSWORD_CHANGED in kinds(customer)
    [notice] = mail.outbox
    assert "your password was changed" in notice.body
    assert "Anti-phishing code: Tiger88" in notice.body
    assert "/freeze/" in notice.body


def test_password_change_with_totp_needs_the_code(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret, _codes = enable_totp(customer, client_info)
        traveller.shift(timedelta(minutes=1))
        for code in ["", "000000x", "123"]:
            with pytest.raises(AccountError) as refused:
                password_change(customer_id=customer.pk, current_password=PASSWORD,
                                new_password=NEW_PASSWORD, code=code, client=client_info,
                                keep_session_id=None)
            assert refused.value.code == "two_factor_invalid"
        customer.refresh_from_db()
        assert customer.check_password(PASSWORD)
        assert customer.withdrawal_block() is None
        password_change(customer_id=customer.pk, current_password=PASSWORD,
                        new_password=NEW_PASSWORD, code=pyotp.TOTP(secret).now(),
                        client=client_info, keep_session_id=None)
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_password_page_keeps_this_session_ends_the_others(customer: Customer) -> None:
    here, elsewhere = Client(), Client()
    sign_in(here)
    sign_in(elsewhere)
    response = here.post(url("password_change"), {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert here.get(url("security")).status_code == 200
    assert elsewhere.get(url("security")).status_code == 302
    assert CustomerSession.objects.filter(customer=customer, ended_at__isnull=True).count() == 1
    page = here.get(url("security")).content.decode()
    assert "Withdrawals are paused until" in page
    assert "your password was changed" in page


def test_password_page_refusals_change_nothing(client: Client, customer: Customer) -> None:
    sign_in(client)
    for data, message in [
        ({"current_password": "wrong", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
         "current password is not right"),
        ({"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": "different"},
         "two passwords differ"),
        ({"current_password": PASSWORD, "password": "x" * 129, "password2": "x" * 129},
         "at most 128"),
        ({"current_password": "x" * 500, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
         "at most 128"),
    ]:
        response = client.post(url("password_change"), data)
        assert response.status_code == 400
        assert message in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert customer.withdrawal_block() is None


def test_password_page_in_chinese(client: Client, customer: Customer) -> None:
    sign_in(client)
    response = client.post(url("password_change", "zh-hans"), {
        "current_password": "wrong", "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert "当前密码不正确" in response.content.decode()


def test_csrf_missing_changes_nothing(customer: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in_page = client.get(url("login"))
    token = sign_in_page.cookies["csrftoken"].value
    client.post(url("login"), {"identifier": "alice@example.com", "password": PASSWORD,
                               "csrfmiddlewaretoken": token})
    assert client.get(url("security")).status_code == 200
    for name, data in [
        ("password_change", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                             "password2": NEW_PASSWORD}),
        ("email_change", {"new_email": "new@example.com", "current_password": PASSWORD}),
        ("phone_change", {"new_phone": "+8613800138000", "current_password": PASSWORD}),
    ]:
        assert client.post(url(name), data).status_code == 403
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert not customer.codes.exists()
    assert customer.email == "alice@example.com"


# --- email ------------------------------------------------------------------------------

def test_email_change_confirmed_by_code_to_new_address(
    customer: Customer, client_info: ClientInfo, commits: Commits
) -> None:
    with commits():
        address_change_start(customer_id=customer.pk, field="email",
                             new_value="alice.new@example.com", current_password=PASSWORD,
                             code="", client=client_info)
    [to_new] = mail.outbox
    assert to_new.to == ["alice.new@example.com"]
    code = re.findall(r"\b(\d{6})\b", to_new.body)[0]
    customer.refresh_from_db()
    assert customer.email == "alice@example.com"  # nothing changes before the code
    assert customer.withdrawal_block() is None
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(AccountError, match="wrong_code"):
        address_change_confirm(customer_id=customer.pk, field="email", code=wrong,
                               client=client_info)
    mail.outbox = []
    with commits():
        assert address_change_confirm(customer_id=customer.pk, field="email", code=code,
                                      client=client_info) == "alice.new@example.com"
    customer.refresh_from_db()
    assert customer.email == "alice.new@example.com"
    assert_cooldown(customer, "email_changed")
    assert {ActivityKind.EMAIL_CHANGE_STARTED, ActivityKind.EMAIL_CHANGED} <= set(kinds(customer))
    recipients = {m.to[0]: m.body for m in mail.outbox}
    assert "al***@example.com" in recipients["alice@example.com"]  # the old address is told
    assert "/freeze/" in recipients["alice@example.com"]
    assert "alice.new@example.com" in recipients
    with pytest.raises(AccountError, match="wrong_code"):  # single use
        address_change_confirm(customer_id=customer.pk, field="email", code=code,
                               client=client_info)


def test_email_change_refusals(
    customer: Customer, make_customer: Callable[..., Customer], client_info: ClientInfo
) -> None:
    make_customer("taken@example.com")
    for value, password, expected in [
        ("taken@example.com", PASSWORD, "taken"),
        ("alice@example.com", PASSWORD, "same"),
        ("fresh@example.com", "wrong", "wrong_password"),
    ]:
        with pytest.raises(AccountError) as refused:
            address_change_start(customer_id=customer.pk, field="email", new_value=value,
                                 current_password=password, code="", client=client_info)
        assert refused.value.code == expected
    assert not customer.codes.filter(purpose=CodePurpose.NEW_EMAIL).exists()


def test_code_for_one_address_never_confirms_another(
    customer: Customer, client_info: ClientInfo
) -> None:
    now = timezone.now()
    code = code_issue(customer=customer, purpose=CodePurpose.NEW_PHONE, channel="sms",
                      now=now, target="+8613800138000")
    with pytest.raises(AccountError, match="wrong_code"):
        address_change_confirm(customer_id=customer.pk, field="email", code=code,
                               client=client_info)
    customer.refresh_from_db()
    assert customer.phone is None


def test_email_page_flow(client: Client, customer: Customer, commits: Commits) -> None:
    sign_in(client)
    bad = client.post(url("email_change"), {"new_email": "not-an-email",
                                            "current_password": PASSWORD})
    assert bad.status_code == 400
    assert "valid email" in bad.content.decode()
    huge = client.post(url("email_change"), {"new_email": "x" * 300 + "@example.com",
                                             "current_password": PASSWORD})
    assert huge.status_code == 400
    assert not customer.codes.exists()
    with commits():
        started = client.post(url("email_change"), {"new_email": "Alice.New@Example.com",
                                                    "current_password": PASSWORD})
    assert started.status_code == 302
    page = client.get(url("email_change")).content.decode()
    assert "alice.new@example.com" in page
    code = re.findall(r"\b(\d{6})\b", mail.outbox[-1].body)[0]
    done = client.post(url("email_change"), {"confirm": "1", "code": code})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "alice.new@example.com"


# --- phone ------------------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["+86 123", "12345", "+1 555 abc", "9" * 40, "++86138"])
def test_malformed_phone_is_explained_and_nothing_changes(
    client: Client, customer: Customer, phone: str
) -> None:
    sign_in(client)
    response = client.post(url("phone_change"), {"new_phone": phone,
                                                  "current_password": PASSWORD})
    assert response.status_code == 400
    html = response.content.decode()
    assert "valid phone number" in html or "at most 32" in html
    assert not customer.codes.exists()
    assert not OutboxSms.objects.exists()


def test_phone_added_by_sms_to_the_new_number(
    client: Client, customer: Customer, commits: Commits
) -> None:
    sign_in(client)
    with commits():
        response = client.post(url("phone_change"), {"new_phone": "138 0013 8000",
                                                      "current_password": PASSWORD})
    assert response.status_code == 302
    [sms] = OutboxSms.objects.all()
    assert sms.to == "+8613800138000"  # normalised to E.164
    code = re.findall(r"\b(\d{6})\b", sms.body)[0]
    response = client.post(url("phone_change"), {"confirm": "1", "code": "12ab56"})
    assert response.status_code == 400
    with commits():
        response = client.post(url("phone_change"), {"confirm": "1", "code": code})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+8613800138000"
    assert_cooldown(customer, "phone_changed")
    assert ActivityKind.PHONE_CHANGED in kinds(customer)
    assert any("phone number of your account was changed" in m.body for m in mail.outbox)


def test_a_second_code_within_a_minute_is_refused(
    customer: Customer, client_info: ClientInfo
) -> None:
    address_change_start(customer_id=customer.pk, field="phone", new_value="+8613800138000",
                         current_password=PASSWORD, code="", client=client_info)
    with pytest.raises(AccountError, match="too_soon"):
        address_change_start(customer_id=customer.pk, field="phone",
                             new_value="+8613900139000", current_password=PASSWORD, code="",
                             client=client_info)


# --- SMS 2FA off, backup codes ----------------------------------------------------------

def test_sms_2fa_off_needs_password_and_sms_code(
    make_customer: Callable[..., Customer], client_info: ClientInfo, commits: Commits
) -> None:
    customer = make_customer("+8613800138000")
    Customer.objects.filter(pk=customer.pk).update(sms_2fa_enabled=True)
    with pytest.raises(AccountError, match="two_factor_invalid"):
        sms_2fa_disable(customer_id=customer.pk, current_password=PASSWORD, code="123456",
                        client=client_info)
    customer.refresh_from_db()
    assert customer.sms_2fa_enabled
    code = code_issue(customer=customer, purpose=CodePurpose.LOGIN, channel="sms",
                      now=timezone.now())
    with pytest.raises(AccountError, match="two_factor_invalid"):  # a sign-in code won't do
        sms_2fa_disable(customer_id=customer.pk, current_password=PASSWORD, code=code,
                        client=client_info)
    code = code_issue(customer=customer, purpose=CodePurpose.ACTION, channel="sms",
                      now=timezone.now())
    with commits():
        sms_2fa_disable(customer_id=customer.pk, current_password=PASSWORD, code=code,
                        client=client_info)
    customer.refresh_from_db()
    assert not customer.sms_2fa_enabled
    assert_cooldown(customer, "2fa_disabled")
    assert ActivityKind.SMS_2FA_DISABLED in kinds(customer)
    assert any("SMS 2FA was turned off" in sms.body for sms in OutboxSms.objects.all())


def test_sms_off_page_sends_an_action_code(
    make_customer: Callable[..., Customer], commits: Commits
) -> None:
    customer = make_customer("+8613800138000")
    Customer.objects.filter(pk=customer.pk).update(sms_2fa_enabled=True)
    client = Client()
    client.post(url("login"), {"identifier": "+8613800138000", "password": PASSWORD})
    code = code_issue(customer=customer, purpose=CodePurpose.LOGIN, channel="sms",
                      now=timezone.now() - timedelta(minutes=2))
    assert client.post(url("login_2fa"), {"code": code}).status_code == 302
    page = client.get(url("sms_2fa_off")).content.decode()
    assert url("second_factor_send") in page
    with commits():
        client.post(url("second_factor_send"), {"next": url("sms_2fa_off")})
    sms = OutboxSms.objects.filter(body__contains="approve").get()
    action_code = re.findall(r"\b(\d{6})\b", sms.body)[0]
    response = client.post(url("sms_2fa_off"), {"current_password": PASSWORD,
                                                "code": action_code})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert not customer.sms_2fa_enabled


def test_backup_codes_regenerated_old_ones_die(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret, old = enable_totp(customer, client_info)
        traveller.shift(timedelta(minutes=1))
        assert backup_codes_replace(customer_id=customer.pk, code="999999x",
                                    client=client_info) is None
        assert BackupCode.objects.filter(customer=customer).count() == 10
        new = backup_codes_replace(customer_id=customer.pk, code=pyotp.TOTP(secret).now(),
                                   client=client_info)
    assert new is not None
    assert len(set(new)) == 10
    assert not set(new) & set(old)
    assert backup_codes_replace(customer_id=customer.pk, code=old[0], client=client_info) is None
    assert backup_codes_replace(customer_id=customer.pk, code=new[0],
                                client=client_info) is not None  # a new backup code works
    assert ActivityKind.BACKUP_CODES_REGENERATED in kinds(customer)


def test_backup_codes_page(client: Client, customer: Customer, client_info: ClientInfo) -> None:
    _secret, codes = enable_totp(customer, client_info)
    sign_in(client)
    Client().post(url("login"), {"identifier": "alice@example.com", "password": PASSWORD})
    client.post(url("login_2fa"), {"code": codes[0]})
    bad = client.post(url("backup_codes"), {"code": "nope"})
    assert bad.status_code == 400
    assert "not right" in bad.content.decode()
    good = client.post(url("backup_codes"), {"code": codes[1]})
    assert good.status_code == 200
    assert "Your new backup codes" in good.content.decode()
