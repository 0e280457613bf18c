"""An agent's password alone does not open the Django admin: the TOTP step comes first."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.desk.conftest import Desk

pytestmark = pytest.mark.django_db


def test_agent_without_totp_is_sent_to_the_second_step(desk: Desk) -> None:
    desk.agent.is_staff = True
    desk.agent.save()
    client = Client()  # a plain client: no TOTP step passed
    client.force_login(desk.agent)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/desk/otp/" in response["Location"]
    assert client.get("/admin/accounts/customer/").status_code == 302


def test_agent_after_totp_reaches_the_admin(desk: Desk, client: Client) -> None:
    desk.agent.is_staff = True
    desk.agent.is_superuser = True
    desk.agent.save()
    client.force_login(desk.agent)  # the desk test client passes the TOTP step
    assert client.get("/admin/").status_code == 200


def test_staff_who_are_not_agents_need_the_second_step_too() -> None:
    # Every staff user: see tests/desk/test_admin_more.py for their enrolment.
    editor = User.objects.create_superuser("editor", "editor@example.com", "pw-editor-123")
    client = Client()
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/desk/agenttotpdevice/second-step/")


def test_admin_login_page_stays_open() -> None:
    assert Client().get("/admin/login/").status_code == 200
