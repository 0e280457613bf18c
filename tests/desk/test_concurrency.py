"""Races on real row locks: two agents replying or assigning at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from kefu.desk.errors import DeskError
from kefu.desk.models import Conversation, ConversationEvent, Message
from kefu.desk.services import assignment, messages
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; .ci/run runs it")


def test_two_agents_replying_at_once_both_land_in_order(desk: Desk) -> None:
    conversation = open_conversation(desk)
    for _ in range(5):
        _race(
            lambda: messages.message_post(conversation_id=conversation.pk, kind="agent",
                                          body="from alice", author_user=desk.agent),
            lambda: messages.message_post(conversation_id=conversation.pk, kind="agent",
                                          body="from bob", author_user=desk.colleague),
        )
    seqs = list(Message.objects.filter(conversation=conversation).values_list("seq", flat=True)
                .order_by("seq"))
    assert seqs == list(range(1, 12))
    conversation.refresh_from_db()
    assert conversation.last_seq == 11


def test_same_client_id_raced_is_stored_once(desk: Desk) -> None:
    conversation = open_conversation(desk)

    def post() -> object:
        return messages.message_post(conversation_id=conversation.pk, kind="agent", body="hi",
                                     author_user=desk.agent, client_msg_id="same")

    results = _race(post, post, post)
    assert not any(isinstance(r, Exception) for r in results)
    assert Message.objects.filter(client_msg_id="same").count() == 1


def test_batches_over_the_same_conversations_in_any_order_never_deadlock(desk: Desk) -> None:
    first, second, third = (open_conversation(desk) for _ in range(3))

    def batch(conversations: list[Conversation], author: User) -> object:
        return messages.messages_post([
            messages.NewMessage(conversation_id=c.pk, kind="agent", body="hi", author_user=author)
            for c in conversations
        ])

    for _ in range(5):
        results = _race(lambda: batch([first, second, third], desk.agent),
                        lambda: batch([third, second, first], desk.colleague))
        assert not any(isinstance(r, Exception) for r in results), results
    for conversation in (first, second, third):
        seqs = list(Message.objects.filter(conversation=conversation)
                    .values_list("seq", flat=True).order_by("seq"))
        assert seqs == list(range(1, 12))


def test_two_agents_assigning_at_once_one_wins_and_history_shows_both(desk: Desk) -> None:
    conversation = open_conversation(desk)
    results = _race(
        lambda: assignment.conversation_assign(conversation_id=conversation.pk,
                                               assignee=desk.agent, actor=desk.agent,
                                               expected_assignee_id=None),
        lambda: assignment.conversation_assign(conversation_id=conversation.pk,
                                               assignee=desk.colleague, actor=desk.colleague,
                                               expected_assignee_id=None),
    )
    errors = [r for r in results if isinstance(r, DeskError)]
    assert len(errors) == 1
    assert errors[0].code == "already_assigned"
    conversation.refresh_from_db()
    assert conversation.assignee in (desk.agent, desk.colleague)
    fields = sorted(ConversationEvent.objects.filter(conversation=conversation,
                                                     field__startswith="assignee")
                    .values_list("field", flat=True))
    assert fields == ["assignee", "assignee_refused"]
