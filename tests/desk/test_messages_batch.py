"""messages_post: several messages in one transaction, each with its own outcome."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.desk.errors import DeskError
from kefu.desk.models import Attachment, Conversation, ConversationEvent, Message, Status
from kefu.desk.services import conversations, messages
from kefu.desk.services.customers import visitor_create
from kefu.desk.services.messages import NewMessage, PostResult
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db


def customer_says(conversation: Conversation, body: str, client_msg_id: str = "",
                  **extra: object) -> NewMessage:
    return NewMessage(conversation_id=conversation.pk, kind="customer", body=body,
                      author_customer=conversation.customer, client_msg_id=client_msg_id,
                      **extra)  # type: ignore[arg-type]


def seqs(conversation: Conversation) -> list[tuple[int, str]]:
    return list(Message.objects.filter(conversation=conversation).order_by("seq")
                .values_list("seq", "body"))


def test_a_batch_numbers_each_conversation_on_and_answers_in_order(desk: Desk) -> None:
    first = open_conversation(desk)
    second = conversations.conversation_open(customer=visitor_create(), channel="web")
    outcomes = messages.messages_post([
        customer_says(first, "one"),
        customer_says(second, "uno"),
        customer_says(first, "two"),
        NewMessage(conversation_id=first.pk, kind="agent", body="hello", author_user=desk.agent),
    ])
    assert [o.message.seq for o in outcomes if isinstance(o, PostResult)] == [2, 1, 3, 4]
    assert all(isinstance(o, PostResult) and o.created for o in outcomes)
    assert seqs(first) == [(1, "我的提现失败了"), (2, "one"), (3, "two"), (4, "hello")]
    assert seqs(second) == [(1, "uno")]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.last_seq, first.last_customer_seq, first.agent_read_seq) == (4, 3, 4)
    # The agent's reply, last in the batch, took the conversation and now waits on the
    # customer, exactly as one message after another would have left it.
    assert first.status == Status.WAITING
    assert first.assignee_id == desk.agent.pk
    assert first.waiting_since is None
    assert (second.last_seq, second.last_customer_seq) == (1, 1)


def test_a_batch_costs_the_same_statements_for_one_message_or_many(desk: Desk) -> None:
    batch = [open_conversation(desk) for _ in range(6)]
    alone = [customer_says(batch[0], "alone")]
    together = [customer_says(c, f"together {n}") for n, c in enumerate(batch)]
    with CaptureQueriesContext(connection) as one:
        messages.messages_post(alone)
    with CaptureQueriesContext(connection) as many:
        messages.messages_post(together)
    assert len(many) == len(one)
    assert Message.objects.filter(body__startswith="together").count() == 6


def test_a_refused_post_takes_nothing_from_the_others(desk: Desk) -> None:
    good = open_conversation(desk)
    closed = open_conversation(desk)
    conversations.conversation_close(conversation_id=closed.pk, actor=desk.agent)
    foreign = conversations.conversation_open(customer=visitor_create(), channel="web")
    outcomes = messages.messages_post([
        customer_says(good, "   "),
        customer_says(closed, "still there?"),
        NewMessage(conversation_id=foreign.pk, kind="customer", body="let me in",
                   author_customer=good.customer),
        NewMessage(conversation_id=987654, kind="agent", body="?", author_user=desk.agent),
        customer_says(good, "this one lands"),
    ])
    codes = [o.code if isinstance(o, DeskError) else "ok" for o in outcomes]
    assert codes == ["empty_message", "invalid_transition", "not_found", "not_found", "ok"]
    assert seqs(good) == [(1, "我的提现失败了"), (2, "this one lands")]
    assert seqs(closed) == [(1, "我的提现失败了")]
    assert not Message.objects.filter(conversation=foreign).exists()


def test_retries_and_repeats_inside_a_batch_are_stored_once(desk: Desk) -> None:
    conversation = open_conversation(desk)
    (stored,) = messages.messages_post([customer_says(conversation, "hi", "c-1")])
    assert isinstance(stored, PostResult)
    outcomes = messages.messages_post([
        customer_says(conversation, "hi", "c-1"),   # a retry of what is stored
        customer_says(conversation, "new", "c-2"),
        customer_says(conversation, "new", "c-2"),  # sent twice before the first ack
    ])
    assert all(isinstance(o, PostResult) for o in outcomes)
    retry, new, repeat = outcomes
    assert isinstance(retry, PostResult)
    assert isinstance(new, PostResult)
    assert isinstance(repeat, PostResult)
    assert (retry.created, retry.message.pk) == (False, stored.message.pk)
    assert new.created
    assert not repeat.created
    assert repeat.message is new.message
    assert seqs(conversation) == [(1, "我的提现失败了"), (2, "hi"), (3, "new")]


def test_a_missing_file_takes_back_only_its_own_message(desk: Desk) -> None:
    conversation = open_conversation(desk)
    uploader = f"c:{conversation.customer_id}"
    mine = Attachment.objects.create(
        conversation=conversation, uploader_key=uploader, name="a.png",
        content_type="image/png", size=1, sha256="0" * 64, storage_key="k1")
    outcomes = messages.messages_post([
        customer_says(conversation, "with a file", attachment_ids=[mine.pk]),
        customer_says(conversation, "a file that is not there", attachment_ids=[mine.pk + 99]),
        customer_says(conversation, "plain"),
    ])
    assert isinstance(outcomes[0], PostResult)
    assert isinstance(outcomes[1], DeskError)
    assert outcomes[1].code == "attachment_unknown"
    assert isinstance(outcomes[2], PostResult)
    # No gap where the refused message would have been.
    assert seqs(conversation) == [(1, "我的提现失败了"), (2, "with a file"), (3, "plain")]
    mine.refresh_from_db()
    assert mine.message_id == outcomes[0].message.pk


def test_a_resolved_conversation_reopens_once_for_a_burst(desk: Desk) -> None:
    conversation = open_conversation(desk)
    conversations.conversation_resolve(conversation_id=conversation.pk, actor=desk.agent)
    messages.messages_post([customer_says(conversation, "wait"),
                            customer_says(conversation, "one more thing")])
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    reopened = ConversationEvent.objects.filter(conversation=conversation, field="status",
                                                new_value=Status.OPEN)
    assert reopened.count() == 1
