"""The pages end to end: lock, explanation, reset through the outbox, freeze link, CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pyotp
import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.clientinfo import DEVICE_COOKIE
from kefu.exchange.accounts.models import (
    ActivityKind,
    Customer,
    CustomerState,
    SupportRequest,
    TotpDevice,
)

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
Commits = Callable[[], AbstractContextManager[Any]]


def url(name: str, lang: str = "en", **kwargs: Any) -> str:
    with translation.override(lang):
        return reverse(f"accounts:{name}", kwargs=kwargs or None)


def sign_in(client: Client, identifier: str = "alice@example.com") -> None:
    response = client.post(url("login"), {"identifier": identifier, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_signup_then_security_page(client: Client) -> None:
    response = client.post(url("signup"), {
        "identifier": "new@example.com", "password": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    assert DEVICE_COOKIE in response.cookies
    page = client.get(url("security"))
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("+86 123", "valid phone number"),
        ("12345678901234567890123456789012345", "email address or a phone number"),
        ("x" * 300 + "@example.com", "at most 254"),
        ("not-an-email@", "valid email"),
    ],
)
def test_bad_identifiers_are_explained_and_nothing_is_created(
    client: Client, identifier: str, message: str
) -> None:
    response = client.post(url("signup"), {
        "identifier": identifier, "password": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_oversized_password_is_refused(client: Client, customer: Customer) -> None:
    response = client.post(url("login"), {"identifier": "alice@example.com",
                                          "password": "x" * 129})
    assert "at most 128" in response.content.decode()
    customer.refresh_from_db()
    assert customer.failed_logins == 0


def test_errors_in_chinese(client: Client) -> None:
    response = client.post(url("signup", "zh-hans"), {
        "identifier": "+86 123", "password": PASSWORD, "password2": PASSWORD,
    })
    assert "请输入有效的手机号" in response.content.decode()


def test_csrf_missing_changes_nothing(customer: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("login"), {"identifier": "alice@example.com", "password": "bad"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.failed_logins == 0
    response = client.post(url("reset"), {"identifier": "alice@example.com"})
    assert response.status_code == 403
    assert not customer.codes.exists()


def test_login_page_is_the_same_for_unknown_accounts(client: Client, customer: Customer) -> None:
    def page(identifier: str) -> str:
        html = client.post(url("login"), {"identifier": identifier, "password": "nope"}).content
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode()).replace(
            identifier, "X"
        )

    # Frozen clock: the lock's end time is on the page, to the minute.
    with time_machine.travel("2026-03-01 10:00:30+00:00", tick=False):
        assert [page("alice@example.com") for _ in range(6)] == [
            page("ghost@example.com") for _ in range(6)
        ]


def test_lock_explained_then_reset_through_outbox(
    client: Client, customer: Customer, commits: Commits
) -> None:
    with commits():
        for _ in range(5):
            response = client.post(url("login"), {"identifier": "alice@example.com",
                                                  "password": "wrong"})
    html = response.content.decode()
    assert "This account is locked for now" in html
    assert url("reset") in html
    with commits():
        response = client.post(url("reset"), {"identifier": "alice@example.com"})
    assert response.status_code == 302
    outbox = client.get(url("demo_outbox")).content.decode()
    code = re.findall(r"reset your password is (\d{6})", outbox)[0]
    new = "fresh passphrase 2026"
    response = client.post(url("reset_confirm"), {"code": code, "password": new,
                                                  "password2": new})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    response = client.post(url("login"), {"identifier": "alice@example.com", "password": new})
    assert response.status_code == 302


@override_settings(KEFU_DEMO=False)
def test_outbox_is_off_outside_the_demo(client: Client) -> None:
    assert client.get(url("demo_outbox")).status_code == 404


def test_totp_setup_page_and_second_step(client: Client, customer: Customer) -> None:
    sign_in(client)
    page = client.get(url("totp_setup")).content.decode()
    assert "<svg" in page
    secret = client.session["kefu.accounts.totp_secret"]
    bad = client.post(url("totp_setup"), {"code": "12ab56"})
    assert bad.status_code == 400
    assert not TotpDevice.objects.exists()
    done = client.post(url("totp_setup"), {"code": pyotp.TOTP(secret).now()})
    assert "backup" in done.content.decode().lower()
    assert TotpDevice.objects.filter(customer=customer).exists()
    other = Client()
    response = other.post(url("login"), {"identifier": "alice@example.com", "password": PASSWORD})
    assert response["Location"].startswith(url("login_2fa"))
    assert other.get(url("security")).status_code == 302  # not signed in yet


def test_new_device_email_freeze_link_works_without_login(
    client: Client, customer: Customer, commits: Commits
) -> None:
    sign_in(client)  # first sign-in from the sign-up device: no email
    assert mail.outbox == []
    stranger = Client(REMOTE_ADDR="198.51.100.200")
    with commits():
        sign_in(stranger)
    assert len(mail.outbox) == 1
    link = re.findall(r"http://\S+/freeze/\S+/", mail.outbox[0].body)[0]
    path = link.split("127.0.0.1:8000")[1]
    anonymous = Client()
    assert anonymous.get(path).status_code == 200  # shows a button, freezes nothing yet
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    with commits():
        assert anonymous.post(path).status_code == 200
    customer.refresh_from_db()
    assert customer.state == CustomerState.FROZEN
    # Both signed-in browsers are out.
    assert client.get(url("security")).status_code == 302
    assert stranger.get(url("security")).status_code == 302
    assert SupportRequest.objects.get(customer=customer).summary["recent_activity"]
    assert AuditEntry.objects.filter(action="accounts.freeze", target_id=str(customer.pk)).exists()
    frozen_login = Client().post(url("login"), {"identifier": "alice@example.com",
                                                "password": PASSWORD})
    assert "This account is frozen" in frozen_login.content.decode()


def test_forged_freeze_link_is_refused(customer: Customer) -> None:
    response = Client().post(url("freeze_link", token="forged:token"))
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_sign_out_everywhere(customer: Customer) -> None:
    first, second = Client(), Client()
    sign_in(first)
    sign_in(second)
    assert first.post(url("sessions_end_all")).status_code == 302
    assert first.get(url("security")).status_code == 302
    assert second.get(url("security")).status_code == 302
    assert customer.activity.filter(kind=ActivityKind.SIGNED_OUT_EVERYWHERE).exists()


def test_activity_page_lists_events_and_marks_review(client: Client, customer: Customer) -> None:
    client.post(url("login"), {"identifier": "alice@example.com", "password": "wrong"})
    sign_in(client)
    html = client.get(url("activity")).content.decode()
    assert "Failed sign-in" in html
    assert "Chrome" in html or "Signed in" in html
    customer.refresh_from_db()
    assert customer.activity_reviewed_at is not None
    assert customer.activity_reviewed_at <= timezone.now()
