"""The exchange's signed event webhook, and the built-in exchange emitting the same events."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from kefu.desk.models import Conversation, ExchangeEvent, Message, MessageKind
from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Network
from kefu.exchange.wallet.reasons import FailureReason as WalletReason
from kefu.gateway.signing import sign_headers
from tests.gateway.contract import lock, submit_withdrawal

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "/hooks/exchange/v1/events"
SECRET = "webhook-secret-abc"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.KEFU_WEBHOOK_SECRET = SECRET


def post(body: bytes, *, secret: str = SECRET) -> Any:
    headers = sign_headers(secret.encode(), method="POST", path=HOOK, body=body)
    return Client().post(HOOK, body, content_type="application/json",
                         headers=headers)


def event(kind: str, customer_ref: str, **data: str) -> bytes:
    return json.dumps({"id": str(uuid.uuid4()), "type": kind,
                       "created_at": "2026-01-02T03:04:05+00:00",
                       "data": {"customer_ref": customer_ref, **data}}).encode()


def test_withdrawal_failed_opens_a_conversation_once(customer: Customer) -> None:
    body = event("withdrawal.failed", str(customer.public_id), amount="100", asset="USDT",
                 reason_code="node_error")
    first = post(body)
    assert first.status_code == 200
    assert first.json()["status"] == "accepted"
    assert post(body).json()["status"] == "duplicate"
    [conversation] = Conversation.objects.all()
    assert conversation.category == "withdrawal"
    assert conversation.context["account"]["state"] == "active"
    [note] = Message.objects.filter(kind=MessageKind.SYSTEM)
    assert "node_error" in note.body
    stored = ExchangeEvent.objects.get()
    assert stored.state == "processed"
    assert stored.conversation == conversation


def test_locked_goes_on_the_timeline_without_a_conversation(customer: Customer) -> None:
    assert post(event("account.locked", str(customer.public_id))).status_code == 200
    assert not Conversation.objects.exists()
    assert ExchangeEvent.objects.get().customer is not None


def test_bad_signature_is_refused_and_nothing_stored(customer: Customer) -> None:
    response = post(event("account.frozen", str(customer.public_id)), secret="wrong")
    assert response.status_code == 401
    assert not ExchangeEvent.objects.exists()
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "malformed"),
    (json.dumps({"id": "e1", "type": "account.deleted", "created_at": "2026-01-01T00:00:00Z",
                 "data": {"customer_ref": "x"}}).encode(), "unknown_type"),
    (json.dumps({"id": "e2", "type": "account.locked", "created_at": "2026-01-01T00:00:00Z",
                 "data": {}}).encode(), "invalid"),
])
def test_bad_events_are_quarantined(body: bytes, reason: str, transactional_db: None) -> None:
    response = post(body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == reason
    stored = ExchangeEvent.objects.get()
    assert (stored.state, stored.reason) == ("quarantined", reason)


def test_builtin_exchange_emits_the_same_events(
    settings: Any, funded: Customer, networks: dict[str, Network]
) -> None:
    settings.KEFU_EXCHANGE_EVENTS = "desk"
    submit_withdrawal(funded, networks["USDT-TRX"], outcome=WalletReason.NODE_ERROR.value)
    lock(funded)
    kinds = sorted(ExchangeEvent.objects.values_list("event_type", flat=True))
    assert kinds == ["account.locked", "withdrawal.failed"]
    assert set(ExchangeEvent.objects.values_list("state", flat=True)) == {"processed"}
    [conversation] = Conversation.objects.all()
    assert conversation.category == "withdrawal"
