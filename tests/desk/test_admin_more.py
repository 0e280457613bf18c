"""The admin for every staff user needs TOTP; an admin can reset somebody's authenticator."""

from __future__ import annotations

import pyotp
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from kefu.core.models import AuditEntry
from kefu.desk.models import AgentProfile, AgentTotpDevice
from kefu.desk.otp import session as otp_session
from kefu.desk.otp.services import device_for, totp_demo_device
from tests.desk.conftest import Desk, DeskClient

pytestmark = pytest.mark.django_db
SECOND_STEP = "/admin/desk/agenttotpdevice/second-step/"


def _editor(**extra: bool) -> User:
    return User.objects.create_user("editor", "editor@example.com", "pw-editor-123",
                                    is_staff=True, **extra)


def test_the_second_step_has_a_stable_address() -> None:
    assert reverse("admin:desk_staff_second_step") == SECOND_STEP


@pytest.mark.parametrize("path", ["/admin/", "/admin/helpcenter/article/",
                                  "/admin/auth/user/"])
def test_staff_without_a_device_are_sent_to_enrol(path: str) -> None:
    client = Client()
    client.force_login(_editor(is_superuser=True))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_STEP + "?next=")


def test_staff_enrol_then_reach_the_admin_in_their_language() -> None:
    editor = _editor(is_superuser=True)
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(editor)
    page = client.get(SECOND_STEP + "?next=/admin/auth/user/")
    assert page.status_code == 200
    assert "desk-qr" in page.content.decode()
    assert "管理后台" in page.content.decode()
    device = AgentTotpDevice.objects.get(user=editor)
    assert device.confirmed_at is None

    wrong = client.post(SECOND_STEP, {"code": "000000", "next": "/admin/auth/user/"})
    assert wrong.status_code == 400
    assert client.get("/admin/").status_code == 302

    code = pyotp.TOTP(device.secret).now()
    done = client.post(SECOND_STEP, {"code": code, "next": "/admin/auth/user/"})
    assert (done.status_code, done["Location"]) == (302, "/admin/auth/user/")
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="desk.totp_enrolled", actor=editor).exists()


def test_staff_with_a_device_type_a_code_and_next_stays_in_the_admin() -> None:
    editor = _editor(is_superuser=True)
    secret = totp_demo_device(user=editor)
    client = Client()
    client.force_login(editor)
    page = client.get(SECOND_STEP)
    assert page.status_code == 200
    assert "desk-qr" not in page.content.decode()  # no QR: verify only
    done = client.post(SECOND_STEP, {"code": pyotp.TOTP(secret).now(),
                                     "next": "https://evil.example/admin/"})
    assert done["Location"] == "/admin/"


def test_the_second_step_is_not_for_customers_or_anonymous() -> None:
    client = Client()
    assert client.get(SECOND_STEP).status_code == 302  # to the admin's login
    client.force_login(User.objects.create_user("someone", password="pw-someone-1"))
    assert client.get(SECOND_STEP).status_code == 404


def _verified_client(user: User) -> Client:
    """Signed in with password and TOTP passed (staff who are not agents included)."""
    totp_demo_device(user=user)
    client = Client()
    client.force_login(user)
    device = device_for(user)
    assert device is not None
    session = client.session
    session[otp_session.SESSION_KEY] = otp_session.token_for(user, device)
    session.save()
    return client


def _admin_client() -> tuple[Client, User]:
    admin_user = User.objects.create_superuser("root", "root@example.com", "pw-root-12345")
    return _verified_client(admin_user), admin_user


def test_an_admin_resets_an_agents_device_and_the_agent_must_enrol_again(desk: Desk) -> None:
    agent_client = DeskClient()
    agent_client.force_login(desk.agent)  # enrolled and past TOTP
    assert agent_client.get(reverse("desk:inbox")).status_code == 200
    admin_client, admin_user = _admin_client()
    assert admin_client.get("/admin/desk/agentprofile/").status_code == 200

    profile = AgentProfile.objects.get(user=desk.agent)
    response = admin_client.post("/admin/desk/agentprofile/", {
        "action": "reset_totp", "_selected_action": [str(profile.pk)],
    }, follow=True)
    assert "alice" in response.content.decode()
    assert not AgentTotpDevice.objects.filter(user=desk.agent).exists()
    entry = AuditEntry.objects.get(action="desk.totp_reset")
    assert (entry.actor, entry.target_id, entry.data["username"]) == (
        admin_user, str(desk.agent.pk), "alice")

    # The agent's open session lost its second factor: enrol a new authenticator first.
    response = agent_client.get(reverse("desk:inbox"))
    assert response.status_code == 302
    assert "/otp/enrol/" in response["Location"]


def test_the_device_list_resets_too_and_never_shows_the_secret(desk: Desk) -> None:
    secret = totp_demo_device(user=desk.colleague)
    admin_client, _ = _admin_client()
    device = AgentTotpDevice.objects.get(user=desk.colleague)
    page = admin_client.get(f"/admin/desk/agenttotpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    listing = admin_client.get("/admin/desk/agenttotpdevice/").content.decode()
    assert 'value="reset_totp"' in listing
    assert 'value="delete_selected"' not in listing
    admin_client.post("/admin/desk/agenttotpdevice/", {
        "action": "reset_totp", "_selected_action": [str(device.pk)]})
    assert not AgentTotpDevice.objects.filter(pk=device.pk).exists()
    assert AuditEntry.objects.filter(action="desk.totp_reset", target_id=str(desk.colleague.pk))


def test_staff_without_the_permission_cannot_reset(desk: Desk) -> None:
    totp_demo_device(user=desk.agent)
    clerk = _editor()
    clerk.user_permissions.add(Permission.objects.get(codename="view_agentprofile"))
    client = _verified_client(clerk)
    listing = client.get("/admin/desk/agentprofile/")
    assert listing.status_code == 200
    assert "reset_totp" not in listing.content.decode()
    profile = AgentProfile.objects.get(user=desk.agent)
    client.post("/admin/desk/agentprofile/", {"action": "reset_totp",
                                              "_selected_action": [str(profile.pk)]})
    assert AgentTotpDevice.objects.filter(user=desk.agent).exists()
    assert not AuditEntry.objects.filter(action="desk.totp_reset").exists()
