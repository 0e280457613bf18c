"""Agents' TOTP: no console without it, enrolment, replay refusal, lockout."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kefu.core.models import AuditEntry
from kefu.desk.demo import seed_demo_desk
from kefu.desk.models import AgentTotpDevice
from kefu.desk.otp import demo_secrets
from kefu.desk.otp.services import CheckResult, totp_check, totp_demo_device
from tests.desk.conftest import Desk, open_conversation
from tests.desk.test_access import OBJECT_ENDPOINTS, _url

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"desk:{name}", args=args)


def password_only(desk: Desk) -> Client:
    client = Client()  # not the DeskClient: only the password step is done
    client.force_login(desk.agent)
    return client


@pytest.mark.parametrize("name", [*OBJECT_ENDPOINTS, "inbox", "search", "mentions"])
def test_without_totp_every_console_url_goes_to_enrolment(desk: Desk, name: str) -> None:
    conversation = open_conversation(desk)
    client = password_only(desk)
    response = client.get(_url(name, conversation, 1))
    if response.status_code == 405:
        response = client.post(_url(name, conversation, 1), {"body": "x", "kind": "agent"})
    assert response.status_code == 302
    assert "/desk/otp/enrol/" in response["Location"]
    assert b"Zhang" not in response.content


def test_with_a_device_but_no_check_the_console_asks_for_the_code(desk: Desk) -> None:
    totp_demo_device(user=desk.agent)
    response = password_only(desk).get(url("inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("otp_verify") + "?next=")


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(desk: Desk) -> None:
    client = password_only(desk)
    page = client.get(url("otp_enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<script" not in svg
    assert "style=" not in svg
    device = AgentTotpDevice.objects.get(user=desk.agent)
    assert device.confirmed_at is None
    # Stored encrypted, readable only through the field.
    with connection.cursor() as cursor:
        table = AgentTotpDevice._meta.db_table
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [device.pk])  # noqa: S608
        raw = cursor.fetchone()[0]
    assert raw.startswith("gAAAAA")
    assert device.secret not in raw
    code = pyotp.TOTP(device.secret).now()
    response = client.post(url("otp_enrol"), {"code": code, "next": url("inbox")})
    assert response.status_code == 302
    assert response["Location"] == url("inbox")
    assert client.get(url("inbox")).status_code == 200
    assert AuditEntry.objects.filter(action="desk.totp_enrolled").count() == 1
    # A confirmed device cannot be replaced by whoever holds the password.
    assert client.get(url("otp_enrol")).status_code == 302


def test_a_wrong_code_is_refused(desk: Desk) -> None:
    totp_demo_device(user=desk.agent)
    client = password_only(desk)
    response = client.post(url("otp_verify"), {"code": "000000"})
    assert response.status_code == 400
    assert client.get(url("inbox")).status_code == 302


def test_a_used_code_is_not_accepted_again(desk: Desk) -> None:
    secret = totp_demo_device(user=desk.agent)
    code = pyotp.TOTP(secret).now()
    assert password_only(desk).post(url("otp_verify"), {"code": code}).status_code == 302
    second = password_only(desk)
    response = second.post(url("otp_verify"), {"code": code})
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert second.get(url("inbox")).status_code == 302


def test_five_wrong_codes_lock_for_fifteen_minutes(desk: Desk) -> None:
    secret = totp_demo_device(user=desk.agent)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        results = [totp_check(user=desk.agent, code="000000") for _ in range(5)]
        assert results[:4] == [CheckResult.WRONG] * 4
        assert results[4] is CheckResult.LOCKED
        right = pyotp.TOTP(secret).now()
        assert totp_check(user=desk.agent, code=right) is CheckResult.LOCKED
        client = password_only(desk)
        response = client.post(url("otp_verify"), {"code": right})
        assert response.status_code == 400
        assert "15 minutes" in response.content.decode()
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        code = pyotp.TOTP(secret).now()
        assert totp_check(user=desk.agent, code=code) is CheckResult.OK


def test_the_flag_is_bound_to_the_user_and_the_password(desk: Desk) -> None:
    secret = totp_demo_device(user=desk.agent)
    client = password_only(desk)
    client.post(url("otp_verify"), {"code": pyotp.TOTP(secret).now()})
    assert client.get(url("inbox")).status_code == 200
    desk.agent.set_password("a-new-password")
    desk.agent.save()
    client.force_login(desk.agent)  # same session, password changed
    assert client.get(url("inbox")).status_code == 302


def test_an_unsafe_next_is_ignored(desk: Desk) -> None:
    secret = totp_demo_device(user=desk.agent)
    response = password_only(desk).post(
        url("otp_verify"), {"code": pyotp.TOTP(secret).now(), "next": "https://evil.example/"}
    )
    assert response["Location"] == url("inbox")


def test_demo_agents_get_devices_and_their_secrets_are_listed() -> None:
    from django.contrib.auth.models import User

    User.objects.create_user("agent", is_staff=True)
    User.objects.create_user("admin", is_staff=True, is_superuser=True)
    result = seed_demo_desk()
    assert set(result["totp_secrets"]) == {"agent", "admin"}
    assert demo_secrets() == result["totp_secrets"]
    assert seed_demo_desk()["totp_secrets"] == result["totp_secrets"]
