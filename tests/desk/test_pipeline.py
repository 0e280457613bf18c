"""The inbound pipeline: stored before acknowledged, deduplicated, redacted, never dropped."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from django.db.models import Model
from django.db.models.base import ModelState

from kefu.desk.envelope import InboundEnvelope, TrustedAdapter
from kefu.desk.models import Conversation, InboundMessage, Message
from kefu.desk.pipeline import receive, receive_many
from kefu.desk.redaction import PLACEHOLDER
from kefu.desk.services import conversations
from tests.desk.conftest import Desk

pytestmark = pytest.mark.django_db

SEED = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def delivery(key: str = "k1", text: str = "提现失败", **extra: Any) -> dict[str, Any]:
    return {"idempotency_key": key, "text": text,
            "sender": {"identity_kind": "visitor", "address": "cookie-1",
                       "identity_verified": True},
            **extra}


class RefusingAdapter(TrustedAdapter):
    def verify(self, envelope: InboundEnvelope, raw: dict[str, Any], meta: dict[str, str]) -> bool:
        return False


def test_a_delivery_opens_a_conversation_and_is_routed(desk: Desk) -> None:
    result = receive(TrustedAdapter("web"), delivery(category="withdrawal"))
    assert result.outcome == "accepted"
    assert result.message is not None
    conversation = Conversation.objects.get()
    assert conversation.category == "withdrawal"
    assert conversation.team == desk.support
    assert conversation.assignee in (desk.agent, desk.colleague)  # round-robin ran
    follow_up = receive(TrustedAdapter("web"), delivery("k2", "还在吗",
                        conversation_id=conversation.pk))
    assert follow_up.message is not None
    assert follow_up.message.seq == 2


def test_redelivery_is_acknowledged_with_the_first_result(desk: Desk) -> None:
    first = receive(TrustedAdapter("web"), delivery())
    again = receive(TrustedAdapter("web"), delivery())
    assert again.outcome == "duplicate"
    assert again.message == first.message
    assert Message.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_seed_phrases_never_reach_the_database(desk: Desk) -> None:
    receive(TrustedAdapter("web"), delivery(text=f"my seed is {SEED}"))
    assert Message.objects.get().body == f"my seed is {PLACEHOLDER}"
    inbound = InboundMessage.objects.get()
    assert "abandon" not in str(inbound.payload)
    assert inbound.redactions[0]["kind"] == "seed_phrase"


@pytest.mark.parametrize(("raw", "reason"), [
    ({"idempotency_key": "bad", "text": ""}, "malformed"),
    ({"idempotency_key": "big", "text": "x" * 10_001, "sender": {}}, "malformed"),
    ({"text": f"no key {SEED}", "sender": {}, "unexpected": 1}, "malformed"),
    ({"idempotency_key": "cat", "text": "hi", "sender": {}, "category": "nope"}, "malformed"),
])
def test_malformed_deliveries_are_quarantined_with_a_reason(
    desk: Desk, raw: dict[str, Any], reason: str
) -> None:
    result = receive(TrustedAdapter("web"), raw)
    assert result.outcome == "quarantined"
    assert result.inbound.reason == reason
    assert "abandon" not in str(result.inbound.payload)
    assert not Message.objects.exists()


def test_unverified_sender_is_quarantined(desk: Desk) -> None:
    result = receive(RefusingAdapter("telegram"), delivery())
    assert result.outcome == "quarantined"
    assert result.inbound.reason == "sender_unverified"


def test_an_unverified_address_does_not_open_someone_elses_history(desk: Desk) -> None:
    raw = {"idempotency_key": "e1", "text": "hi",
           "sender": {"identity_kind": "email", "address": "victim@example.com",
                      "identity_verified": True}}
    victim = receive(TrustedAdapter("email"), raw).message
    claim = {**raw, "idempotency_key": "e2",
             "sender": {**raw["sender"], "identity_verified": False}}
    attacker = receive(TrustedAdapter("email"), claim).message
    assert victim is not None
    assert attacker is not None
    assert attacker.conversation.customer_id != victim.conversation.customer_id


def test_a_batch_gives_each_delivery_what_it_would_get_alone(desk: Desk) -> None:
    opened = receive(TrustedAdapter("web"), delivery("k1"))
    assert opened.message is not None
    conversation = opened.message.conversation
    closed = receive(TrustedAdapter("web"), delivery("k2", sender={
        "identity_kind": "visitor", "address": "cookie-2", "identity_verified": True}))
    assert closed.message is not None
    conversations.conversation_close(conversation_id=closed.message.conversation_id,
                                     actor=desk.agent)
    results = receive_many(TrustedAdapter("web"), [
        delivery("k3", "第二句", conversation_id=conversation.pk),
        delivery("k1"),                                          # a redelivery
        {"idempotency_key": "k4", "text": ""},                   # malformed
        delivery("k5", f"助记词：{SEED}", conversation_id=conversation.pk),
        delivery("k6", "又来了", conversation_id=closed.message.conversation_id, sender={
            "identity_kind": "visitor", "address": "cookie-2", "identity_verified": True}),
        delivery("k7", "新访客", conversation_id=conversation.pk, sender={
            "identity_kind": "visitor", "address": "cookie-new", "identity_verified": True}),
    ])
    assert [r.outcome for r in results] == [
        "accepted", "duplicate", "quarantined", "accepted", "accepted", "accepted"]
    reply, again, _bad, redacted, reopened, stranger = results
    assert reply.message is not None
    assert reply.message.seq == 2
    assert again.message == opened.message
    assert redacted.message is not None
    assert redacted.message.body == f"助记词：{PLACEHOLDER}"
    assert "abandon" not in str(redacted.inbound.payload)
    # A closed conversation: the message opens a new one, as it would alone.
    assert reopened.message is not None
    assert reopened.message.conversation_id != closed.message.conversation_id
    # Somebody else naming this conversation does not get into it.
    assert stranger.message is not None
    assert stranger.message.conversation_id != conversation.pk
    assert InboundMessage.objects.filter(state="accepted").count() == 6


def test_a_batch_refused_by_the_database_is_taken_one_at_a_time(desk: Desk) -> None:
    opened = receive(TrustedAdapter("web"), delivery("k1"))
    assert opened.message is not None
    conversation_id = opened.message.conversation_id
    # The key is taken already (here by a quarantined copy; in production as often by
    # another process a moment before): the batch's INSERT conflicts and rolls back.
    receive(TrustedAdapter("web"), {"idempotency_key": "k3", "text": ""})
    results = receive_many(TrustedAdapter("web"), [
        delivery("k2", "一", conversation_id=conversation_id),
        delivery("k3", "二", conversation_id=conversation_id),
    ])
    assert [r.outcome for r in results] == ["accepted", "duplicate"]
    assert list(Message.objects.filter(conversation_id=conversation_id)
                .order_by("seq").values_list("seq", "body")) == [(1, "提现失败"), (2, "一")]


def test_a_stored_message_leaves_no_reference_cycle_behind(desk: Desk) -> None:
    """A chat server stores hundreds of messages a second: rows caught in reference cycles
    (a message and its inbound record caching each other) pile up for the garbage
    collector's full passes, which pause every connection of the process."""
    opened = receive(TrustedAdapter("web"), delivery("k0"))
    assert opened.message is not None
    conversation_id = opened.message.conversation_id
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to look at it
    try:
        receive(TrustedAdapter("web"), delivery("k1", conversation_id=conversation_id))
        receive(TrustedAdapter("web"), delivery("k2", "新的", sender={
            "identity_kind": "visitor", "address": "cookie-9", "identity_verified": True}))
        gc.collect()
        cyclic = [o for o in gc.garbage if isinstance(o, Model | ModelState)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert cyclic == []
