"""Staff admin: read-only customers, support actions with a reason, append-only activity."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.models import ActivityEvent, Customer, CustomerState, TotpDevice
from tests.desk.conftest import DeskClient

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:accounts_customer_changelist"


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser("agent1", "agent@example.com", "pw-agent-123")
    client = DeskClient()  # the admin asks staff for TOTP: this client passes it
    client.force_login(user)
    return client


def test_list_masks_and_search_normalises_phone(
    staff: Client, make_customer: object
) -> None:
    make_customer("alice@example.com")  # type: ignore[operator]
    make_customer("+8613800138000")  # type: ignore[operator]
    page = staff.get(reverse(CHANGELIST)).content.decode()
    assert "al***@example.com" in page
    assert "alice@example.com" not in page
    assert "+861****8000" in page
    found = staff.get(reverse(CHANGELIST), {"q": "138 0013 8000"}).content.decode()
    assert "+861****8000" in found
    assert "al***@example.com" not in found
    assert staff.get(reverse(CHANGELIST), {"state": "frozen"}).status_code == 200


def test_detail_never_shows_secrets(staff: Client, customer: Customer) -> None:
    TotpDevice.objects.create(customer=customer, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    page = staff.get(reverse("admin:accounts_customer_change", args=[customer.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "JBSWY3DP" not in html
    assert customer.password not in html
    assert 'name="email"' not in html  # no editable field
    assert staff.post(reverse("admin:accounts_customer_change", args=[customer.pk]),
                      {"email": "x@example.com"}).status_code == 403
    customer.refresh_from_db()
    assert customer.email == "alice@example.com"


def test_freeze_action_asks_for_a_reason_and_audits(staff: Client, customer: Customer) -> None:
    data = {"action": "freeze", "_selected_action": [customer.pk]}
    confirm = staff.post(reverse(CHANGELIST), data)
    assert confirm.status_code == 200
    assert 'name="reason"' in confirm.content.decode()
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE  # nothing yet
    empty = staff.post(reverse(CHANGELIST), {**data, "apply": "1", "reason": "  "})
    assert empty.status_code == 200
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    done = staff.post(reverse(CHANGELIST), {**data, "apply": "1", "reason": "phoned in, KYC ok"})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.state == CustomerState.FROZEN
    entry = AuditEntry.objects.get(action="accounts.freeze")
    assert entry.reason == "phoned in, KYC ok"
    assert entry.actor_label == "agent1"
    staff.post(reverse(CHANGELIST), {"action": "unfreeze", "_selected_action": [customer.pk],
                                     "apply": "1", "reason": "verified by video"})
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert customer.cooldown_reason == "unfrozen"


def test_unlock_and_reset_2fa_actions(staff: Client, customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(sms_2fa_enabled=True)
    for action in ["unlock", "reset_2fa"]:
        staff.post(reverse(CHANGELIST), {"action": action, "_selected_action": [customer.pk],
                                         "apply": "1", "reason": "ticket 42"})
    customer.refresh_from_db()
    assert not customer.sms_2fa_enabled
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "accounts.unlock", "accounts.reset_2fa"}


def test_support_without_change_permission_cannot_act(customer: Customer) -> None:
    viewer = User.objects.create_user("viewer", password="pw-viewer-123", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = DeskClient()
    client.force_login(viewer)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    client.post(reverse(CHANGELIST), {"action": "freeze", "_selected_action": [customer.pk],
                                      "apply": "1", "reason": "x"})
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_activity_admin_is_append_only(staff: Client, customer: Customer) -> None:
    event = ActivityEvent.objects.filter(customer=customer).first()
    assert event is not None
    assert staff.get(reverse("admin:accounts_activityevent_changelist")).status_code == 200
    assert staff.get(reverse("admin:accounts_activityevent_add")).status_code == 403
    assert staff.post(reverse("admin:accounts_activityevent_delete", args=[event.pk]),
                      {"post": "yes"}).status_code == 403
    assert ActivityEvent.objects.filter(pk=event.pk).exists()
