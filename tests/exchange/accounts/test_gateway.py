"""The desk's view of an account and its actions, each leaving an audit row."""

from __future__ import annotations

import pytest

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer, CustomerState
from kefu.exchange.accounts.services.login import login_attempt
from kefu.gateway import GatewayError, UnknownCustomer, get_gateway

pytestmark = pytest.mark.django_db


def test_summary_masks_contact_details(customer: Customer) -> None:
    gateway = get_gateway()
    ref = gateway.find_customer(email="ALICE@example.com")
    assert ref == str(customer.public_id)
    summary = gateway.account_summary(ref)
    assert summary.masked_email == "al***@example.com"
    assert summary.state == "active"
    assert not summary.two_factor_enabled
    assert gateway.recent_activity(ref)[0].kind == "signed_up"


def test_actions_write_audit_rows(customer: Customer) -> None:
    gateway = get_gateway()
    ref = str(customer.public_id)
    for _ in range(5):
        login_attempt(identifier="alice@example.com", password="x", client=ClientInfo(ip=None))
    assert gateway.account_summary(ref).state == "locked"
    gateway.unlock(ref, actor_label="agent:li", reason="identity verified, case 12")
    assert gateway.account_summary(ref).state == "active"
    gateway.freeze(ref, actor_label="agent:li", reason="customer asked by phone")
    assert gateway.account_summary(ref).state == "frozen"
    gateway.unfreeze(ref, actor_label="agent:wang", reason="identity verified, case 13")
    gateway.reset_2fa(ref, actor_label="agent:wang", reason="lost phone, case 14")
    rows = AuditEntry.objects.filter(target_id=str(customer.pk)).order_by("id")
    assert [(r.action, r.actor_label, r.reason) for r in rows] == [
        ("accounts.unlock", "agent:li", "identity verified, case 12"),
        ("accounts.freeze", "agent:li", "customer asked by phone"),
        ("accounts.unfreeze", "agent:wang", "identity verified, case 13"),
        ("accounts.reset_2fa", "agent:wang", "lost phone, case 14"),
    ]
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert customer.withdrawals_blocked()


def test_actions_need_a_reason_and_a_known_customer(customer: Customer) -> None:
    gateway = get_gateway()
    with pytest.raises(GatewayError):
        gateway.freeze(str(customer.public_id), actor_label="agent", reason="  ")
    with pytest.raises(UnknownCustomer):
        gateway.unlock("not-a-ref", actor_label="agent", reason="x")
    assert not AuditEntry.objects.exists()
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_summary_names_a_customer_without_display_name_by_masked_contact(
    db: None,
) -> None:
    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.accounts.services.signup import customer_sign_up
    from kefu.gateway import get_gateway

    customer = customer_sign_up(identifier="nameless@example.com", password="pw-Long-enough-1",
                                language="en", client=ClientInfo(ip=None))
    summary = get_gateway().account_summary(str(customer.public_id))
    assert summary.display_name == summary.masked_email
    assert "nameless@example.com" not in summary.display_name
