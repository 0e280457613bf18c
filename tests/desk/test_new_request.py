"""The customer's "New request" form: prepared information from their own records only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.desk.models import AgentProfile, Conversation, InboundMessage, Message, Presence
from kefu.desk.services import requests as request_services
from kefu.desk.services.context import activity_key
from kefu.exchange.accounts.models import Customer
from kefu.gateway import (
    AccountSummary,
    ActivityItem,
    FailureReason,
    GatewayUnavailable,
    UnknownWithdrawal,
    WithdrawalSummary,
)
from tests.desk.conftest import Desk
from tests.exchange.wallet.conftest import make_customer
from tests.exchange.wallet.test_pages import signed_in

pytestmark = pytest.mark.django_db

NONCE = "n0nce-AAAAAAAAAAAAAAAAAAAA"
REASON = FailureReason(
    code="node_timeout", title_en="Network congestion", title_zh_hans="网络拥堵",
    explanation_en="", explanation_zh_hans="", next_step_en="", next_step_zh_hans="",
)


def url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"support:{name}", args=args)


class FakeGateway:
    """The owner's withdrawal w-own, somebody else's w-other, one sign-in event."""

    def __init__(self, ref: str, fail: bool = False) -> None:
        self.ref = ref
        self.fail = fail
        base = WithdrawalSummary(
            ref="w-own", customer_ref=ref, created_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
            asset="USDT", network="TRC20", amount="500.00", fee="1",
            address="TXyz12abcdefghijkLMNOP9876", memo="", state="failed", retrying=False,
            reason=REASON, tx_hash="", explorer_url="", can_retry=True, can_cancel=True,
        )
        self.items = {"w-own": base,
                      "w-other": replace(base, ref="w-other", customer_ref="someone-else",
                                         amount="9999.00")}
        self.event = ActivityItem(at=datetime(2025, 1, 3, 8, 0, tzinfo=UTC), kind="login",
                                  description="Sign-in", ip="203.0.113.7",
                                  device="Firefox on Linux", location="Shanghai")

    def _check(self) -> None:
        if self.fail:
            raise GatewayUnavailable("down")

    def account_summary(self, customer_ref: str) -> AccountSummary:
        self._check()
        return AccountSummary(
            customer_ref=customer_ref, display_name="Li Lei", masked_email="l***@example.com",
            masked_phone="", state="active", locked_until=None, two_factor_enabled=True,
            verification_level=2, registered_since=datetime(2024, 1, 1, tzinfo=UTC),
            withdrawals_blocked_until=None,
        )

    def withdrawals(self, customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
        self._check()
        return [w for w in self.items.values() if w.customer_ref == customer_ref][:limit]

    def withdrawal(self, ref: str) -> WithdrawalSummary:
        self._check()
        if ref not in self.items:
            raise UnknownWithdrawal(ref)
        return self.items[ref]

    def recent_activity(self, customer_ref: str, *, limit: int = 20) -> list[ActivityItem]:
        self._check()
        return [self.event] if customer_ref == self.ref else []


@pytest.fixture
def owner(db: None) -> Customer:
    return make_customer("owner@example.com", with_2fa=False)


@pytest.fixture
def gateway(owner: Customer, monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway(str(owner.public_id))
    monkeypatch.setattr(request_services, "get_gateway", lambda: fake)
    monkeypatch.setattr("kefu.desk.services.context.get_gateway", lambda: fake)
    return fake


def form(**values: str) -> dict[str, str]:
    return {"category": "withdrawal", "description": "提现一直没到账", "nonce": NONCE, **values}


def test_the_form_offers_the_customers_own_records(
    client: Client, owner: Customer, gateway: FakeGateway
) -> None:
    signed_in(client, owner)
    page = client.get(url("new")).content.decode()
    assert 'value="w:w-own"' in page
    assert "w-other" not in page
    assert f'value="e:{activity_key(gateway.event)}"' in page
    assert 'name="nonce"' in page
    assert 'name="email"' not in page


def test_a_withdrawal_request_attaches_the_details(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk
) -> None:
    AgentProfile.objects.update(presence=Presence.OFFLINE)  # nobody to take it: it queues
    signed_in(client, owner)
    response = client.post(url("new"), form(record="w:w-own"))
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", conversation.pk)
    assert conversation.channel == "web"
    assert conversation.category == "withdrawal"
    assert conversation.customer.external_ref == str(owner.public_id)
    withdrawal = conversation.context["withdrawal"]
    assert (withdrawal["amount"], withdrawal["network"], withdrawal["address"],
            withdrawal["state"], withdrawal["reason"]) == (
        "500.00", "TRC20", "TXyz12abcdefghijkLMNOP9876", "failed", "Network congestion")
    assert conversation.context["account"]["display_name"] == "Li Lei"
    first = Message.objects.get(conversation=conversation)
    for text in ("提现一直没到账", "Li Lei", "500.00 USDT", "TRC20", "TXyz12abcdefghijkLMNOP9876",
                 "failed", "Network congestion", "2025-01-02"):
        assert text in first.body
    detail = client.get(response["Location"]).content.decode()
    assert "You are number 1 in the queue" in detail


def test_an_event_request_attaches_time_ip_device_and_location(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk
) -> None:
    signed_in(client, owner)
    response = client.post(url("new"), form(category="security",
                                            record="e:" + activity_key(gateway.event)))
    conversation = Conversation.objects.get()
    assert conversation.assignee is not None  # routed to an online agent at once
    assert "An agent has your request" in client.get(response["Location"]).content.decode()
    assert conversation.category == "security"
    assert conversation.context["event"]["ip"] == "203.0.113.7"
    body = Message.objects.get().body
    for text in ("203.0.113.7", "Firefox on Linux", "Shanghai", "2025-01-03"):
        assert text in body


def test_a_double_submit_opens_one_request(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk
) -> None:
    signed_in(client, owner)
    first = client.post(url("new"), form(record="w:w-own"))
    second = client.post(url("new"), form(record="w:w-own"))
    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1
    client.post(url("new"), form(nonce="another-nonce-BBBBBBBBBBBB"))
    assert Conversation.objects.count() == 2  # a new form is a new request


def test_a_new_request_does_not_join_an_open_one(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk
) -> None:
    signed_in(client, owner)
    client.post(url("new"), form())
    client.post(url("new"), form(category="deposit", nonce="second-nonce-CCCCCCCCCCCC"))
    assert sorted(Conversation.objects.values_list("category", flat=True)) == [
        "deposit", "withdrawal"]


@pytest.mark.parametrize("record", ["w:w-other", "w:w-missing", "e:2020-01-01T00:00:00|login",
                                    "x:whatever"])
def test_a_record_that_is_not_theirs_is_refused(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk, record: str
) -> None:
    signed_in(client, owner)
    response = client.post(url("new"), form(record=record))
    assert response.status_code == 400
    assert "Choose one of your own withdrawals or events." in response.content.decode()
    assert "9999.00" not in response.content.decode()
    assert not Conversation.objects.exists()
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("values", [
    {"category": "lost_keys"},
    {"description": "x" * (request_services.DESCRIPTION_MAX_CHARS + 1)},
    {"description": "   "},
    {"nonce": "short"},
])
def test_bad_input_stores_nothing(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk, values: dict[str, str]
) -> None:
    signed_in(client, owner)
    response = client.post(url("new"), form(**values))
    assert response.status_code == 400
    assert not Conversation.objects.exists()
    assert not InboundMessage.objects.exists()


def test_csrf_is_required(owner: Customer, gateway: FakeGateway, desk: Desk) -> None:
    client = Client(enforce_csrf_checks=True)
    signed_in(client, owner)
    assert client.post(url("new"), form()).status_code == 403
    assert not Conversation.objects.exists()


def test_when_the_exchange_is_down_the_request_still_opens(
    client: Client, owner: Customer, gateway: FakeGateway, desk: Desk
) -> None:
    gateway.fail = True
    signed_in(client, owner)
    assert "cannot be loaded" in client.get(url("new")).content.decode()
    response = client.post(url("new"), form(record="w:w-own"))
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.context.get("unavailable") is True
    assert "withdrawal" not in conversation.context


def test_an_anonymous_visitor_gives_an_email_and_a_category(
    client: Client, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_gateway() -> Any:
        raise AssertionError("no records for anonymous visitors")

    monkeypatch.setattr(request_services, "get_gateway", no_gateway)
    page = client.get(url("new")).content.decode()
    assert 'name="email"' in page
    assert 'name="record"' not in page
    assert client.post(url("new"), form(category="account_access")).status_code == 400
    response = client.post(url("new"), form(category="account_access", record="w:w-own",
                                            email="locked@example.com"))
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert response["Location"] == url("sent", conversation.pk)
    assert conversation.category == "account_access"
    assert conversation.customer.kind == "visitor"
    assert "withdrawal" not in conversation.context
    identity = conversation.customer.identities.get()
    assert (identity.kind, identity.address, identity.verified_at) == (
        "email", "locked@example.com", None)
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    assert "We have your request and will reply by email." in receipt.content.decode()
    # Another browser cannot read the receipt.
    assert Client().get(response["Location"]).status_code == 404


def test_the_list_page_links_to_the_form(client: Client, owner: Customer,
                                         gateway: FakeGateway) -> None:
    signed_in(client, owner)
    assert url("new") in client.get(url("list")).content.decode()


def test_the_form_speaks_chinese(client: Client, desk: Desk) -> None:
    with translation.override("zh-hans"):
        page = client.get(reverse("support:new")).content.decode()
    assert "新建客服请求" in page
    assert "接收回复的邮箱" in page
