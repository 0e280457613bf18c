"""Service behaviour: sequence numbers, idempotency, transitions, assignment, SLA, CSAT."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from kefu.core.models import AuditEntry, BusinessCalendar, WeeklyHours
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    MAX_MESSAGE_CHARS,
    AgentProfile,
    CannedResponse,
    Conversation,
    ConversationEvent,
    Message,
    Presence,
    SlaPolicy,
    Status,
)
from kefu.desk.services import assignment, conversations, csat, messages, queue
from kefu.desk.services.context import identity_reveal
from kefu.desk.services.customers import identity_add
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db


def test_messages_get_consecutive_sequence_numbers(desk: Desk) -> None:
    c = open_conversation(desk)
    messages.message_post(conversation_id=c.pk, kind="agent", body="您好", author_user=desk.agent)
    messages.message_post(conversation_id=c.pk, kind="note", body="check", author_user=desk.agent)
    assert list(c.messages.values_list("seq", flat=True)) == [1, 2, 3]
    c.refresh_from_db()
    assert c.last_seq == 3


def test_same_client_id_is_stored_once(desk: Desk) -> None:
    c = open_conversation(desk)
    first = messages.message_post(conversation_id=c.pk, kind="agent", body="hi",
                                  author_user=desk.agent, client_msg_id="abc")
    again = messages.message_post(conversation_id=c.pk, kind="agent", body="hi",
                                  author_user=desk.agent, client_msg_id="abc")
    assert first.created
    assert not again.created
    assert first.message.pk == again.message.pk
    # the same id from another sender is another message
    other = messages.message_post(conversation_id=c.pk, kind="agent", body="hi",
                                  author_user=desk.colleague, client_msg_id="abc")
    assert other.created
    assert c.messages.count() == 3


@pytest.mark.parametrize(("body", "code"), [("   ", "empty_message"),
                                            ("x" * (MAX_MESSAGE_CHARS + 1), "message_too_long")])
def test_bad_messages_are_refused_and_nothing_is_stored(desk: Desk, body: str, code: str) -> None:
    c = open_conversation(desk)
    with pytest.raises(DeskError) as exc:
        messages.message_post(conversation_id=c.pk, kind="agent", body=body, author_user=desk.agent)
    assert exc.value.code == code
    c.refresh_from_db()
    assert c.last_seq == 1
    assert c.messages.count() == 1


def test_a_customer_cannot_write_into_another_customers_conversation(desk: Desk) -> None:
    c = open_conversation(desk)
    intruder = type(desk.customer).objects.create(kind="visitor", display_name="x")
    with pytest.raises(DeskError, match="not_found"):
        messages.message_post(conversation_id=c.pk, kind="customer", body="hi",
                              author_customer=intruder)


def test_edit_adds_a_revision_and_keeps_the_original(desk: Desk) -> None:
    c = open_conversation(desk)
    posted = messages.message_post(conversation_id=c.pk, kind="agent", body="typo",
                                   author_user=desk.agent).message
    revision = messages.message_edit(message_id=posted.pk, editor=desk.agent, body="fixed")
    posted.refresh_from_db()
    assert posted.body == "typo"
    assert posted.revision_count == 1
    assert revision.body == "fixed"
    assert ConversationEvent.objects.filter(conversation=c, field="message_edited").exists()
    with pytest.raises(DeskError, match="not_editable"):
        messages.message_edit(message_id=posted.pk, editor=desk.colleague, body="mine now")


def test_agent_reply_takes_the_conversation_and_waits_on_customer(desk: Desk) -> None:
    c = open_conversation(desk)
    messages.message_post(conversation_id=c.pk, kind="agent", body="hello", author_user=desk.agent)
    c.refresh_from_db()
    assert c.assignee == desk.agent
    assert c.status == Status.WAITING
    assert c.first_response_at
    messages.message_post(conversation_id=c.pk, kind="customer", body="still broken",
                          author_customer=desk.customer)
    c.refresh_from_db()
    assert c.status == Status.OPEN
    assert c.unread


@pytest.mark.parametrize(("path", "final"), [
    (["resolve"], Status.RESOLVED),
    (["snooze", "reopen"], Status.OPEN),
    (["resolve", "reopen", "close"], Status.CLOSED),
    (["wait"], Status.WAITING),
])
def test_valid_transitions(desk: Desk, path: list[str], final: str) -> None:
    c = open_conversation(desk)
    for action in path:
        conversations.conversation_transition(
            conversation_id=c.pk, action=action, actor=desk.agent,
            snoozed_until=datetime.now(UTC) + timedelta(hours=1),
        )
    c.refresh_from_db()
    assert c.status == final


@pytest.mark.parametrize(("setup", "action"), [
    (["close"], "resolve"), (["resolve"], "resolve"), (["close"], "reopen"),
    ([], "reopen"), ([], "bogus"),
])
def test_invalid_transitions_change_nothing(desk: Desk, setup: list[str], action: str) -> None:
    c = open_conversation(desk)
    for step in setup:
        conversations.conversation_transition(conversation_id=c.pk, action=step, actor=desk.agent)
    before = (Conversation.objects.get(pk=c.pk).status, ConversationEvent.objects.count())
    with pytest.raises(DeskError, match="invalid_transition"):
        conversations.conversation_transition(conversation_id=c.pk, action=action,
                                              actor=desk.agent)
    assert (Conversation.objects.get(pk=c.pk).status, ConversationEvent.objects.count()) == before


def test_snooze_needs_a_future_time_and_wakes_up(desk: Desk) -> None:
    c = open_conversation(desk)
    with pytest.raises(DeskError, match="snooze_in_past"):
        conversations.conversation_snooze(conversation_id=c.pk, actor=desk.agent,
                                          until=datetime.now(UTC) - timedelta(minutes=1))
    conversations.conversation_snooze(conversation_id=c.pk, actor=desk.agent,
                                      until=datetime.now(UTC) + timedelta(minutes=5))
    assert conversations.conversations_wake_snoozed(now=datetime.now(UTC)) == 0
    assert conversations.conversations_wake_snoozed(
        now=datetime.now(UTC) + timedelta(minutes=6)) == 1
    c.refresh_from_db()
    assert c.status == Status.OPEN


def test_unknown_category_is_refused(desk: Desk) -> None:
    with pytest.raises(DeskError, match="unknown_category"):
        conversations.conversation_open(customer=desk.customer, channel="web", category="nope")
    assert not Conversation.objects.exists()


def test_assignment_conflict_one_wins_and_history_shows_both(desk: Desk) -> None:
    c = open_conversation(desk)
    assignment.conversation_assign(conversation_id=c.pk, assignee=desk.agent, actor=desk.agent,
                                   expected_assignee_id=None)
    with pytest.raises(DeskError, match="already_assigned"):
        assignment.conversation_assign(conversation_id=c.pk, assignee=desk.colleague,
                                       actor=desk.colleague, expected_assignee_id=None)
    c.refresh_from_db()
    assert c.assignee == desk.agent
    fields = list(c.events.filter(field__startswith="assignee").values_list("field", "actor_label"))
    assert fields == [("assignee", "alice"), ("assignee_refused", "bob")]


def test_round_robin_respects_presence_capacity_and_rotation(desk: Desk) -> None:
    AgentProfile.objects.filter(user=desk.colleague).update(capacity=1)
    picks = []
    for _ in range(4):
        c = open_conversation(desk)
        picks.append(assignment.assign_round_robin(conversation_id=c.pk))
    # alice and bob alternate until bob is full, then alice takes the rest
    assert picks == [desk.agent.pk, desk.colleague.pk, desk.agent.pk, desk.agent.pk]
    AgentProfile.objects.update(presence=Presence.AWAY)
    c = open_conversation(desk)
    assert assignment.assign_round_robin(conversation_id=c.pk) is None


def test_manual_assignment_wins_over_round_robin(desk: Desk) -> None:
    c = open_conversation(desk)
    assignment.conversation_assign(conversation_id=c.pk, assignee=desk.colleague, actor=desk.agent)
    assert assignment.assign_round_robin(conversation_id=c.pk) is None
    c.refresh_from_db()
    assert c.assignee == desk.colleague


def test_offline_agents_conversations_return_to_the_queue(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    c = open_conversation(desk)
    assignment.conversation_assign(conversation_id=c.pk, assignee=desk.agent, actor=desk.agent)
    now = datetime.now(UTC)
    AgentProfile.objects.filter(user=desk.agent).update(last_seen=now - timedelta(minutes=30))
    AgentProfile.objects.filter(user=desk.colleague).update(last_seen=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert assignment.return_to_queue(now=now, minutes=15) == 1
    c.refresh_from_db()
    # back in the queue, then routed by round-robin to the colleague who is still online
    assert c.assignee == desk.colleague
    assert AgentProfile.objects.get(user=desk.agent).presence == Presence.OFFLINE


def test_transfer_moves_to_the_new_teams_queue(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    c = open_conversation(desk)
    assignment.conversation_assign(conversation_id=c.pk, assignee=desk.agent, actor=desk.agent)
    with django_capture_on_commit_callbacks(execute=True):
        assignment.conversation_transfer(conversation_id=c.pk, team_id=desk.vip.pk,
                                         actor=desk.agent)
    c.refresh_from_db()
    assert c.team == desk.vip
    assert c.assignee == desk.outsider


def _office_hours() -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Asia/Shanghai")
    for day in range(5):
        WeeklyHours.objects.create(calendar=calendar, weekday=day, opens=time(9),
                                   closes=time(18))
    return calendar


@time_machine.travel(datetime(2026, 3, 6, 17, 30, tzinfo=UTC), tick=False)  # Sat 01:30 in UTC+8
def test_sla_deadlines_count_business_hours_and_out_of_hours_reply(desk: Desk) -> None:
    desk.support.calendar = _office_hours()
    desk.support.save()
    SlaPolicy.objects.create(name="default", first_response_minutes=60,
                             next_response_minutes=120, resolution_minutes=480)
    c = open_conversation(desk)
    # closed all weekend: the hour starts Monday 09:00 in Shanghai = 01:00 UTC
    assert c.first_response_due == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assignment.conversation_route(conversation_id=c.pk)
    notice = Message.objects.get(conversation=c, kind="system")
    assert "09:00" in notice.body
    assert "UTC+8" in notice.body
    c.refresh_from_db()
    assert c.assignee is None  # waits in the queue for opening time
    assignment.conversation_route(conversation_id=c.pk)  # same closed period: told once
    assert Message.objects.filter(conversation=c, kind="system").count() == 1


def test_out_of_hours_reply_in_english_and_customer_time_zone(desk: Desk) -> None:
    desk.support.calendar = _office_hours()
    desk.support.save()
    desk.customer.language, desk.customer.time_zone = "en", "Europe/Berlin"
    desk.customer.save()
    with time_machine.travel(datetime(2026, 3, 6, 17, 30, tzinfo=UTC), tick=False):
        c = open_conversation(desk)
        assignment.conversation_route(conversation_id=c.pk)
    body = Message.objects.get(conversation=c, kind="system").body
    assert "offline" in body
    assert "2026-03-09 02:00 (UTC+1)" in body


def test_first_response_breach_is_recorded(desk: Desk) -> None:
    SlaPolicy.objects.create(name="fast", category="withdrawal", first_response_minutes=5,
                             next_response_minutes=5, resolution_minutes=60)
    start = datetime.now(UTC)
    c = open_conversation(desk)
    from kefu.desk.services.sla import sla_mark_breaches
    assert sla_mark_breaches(now=start + timedelta(minutes=10)) >= 1
    c.refresh_from_db()
    assert c.first_response_breached


def test_queue_position_and_estimated_wait(desk: Desk) -> None:
    AgentProfile.objects.update(presence=Presence.OFFLINE)
    first, second = open_conversation(desk), open_conversation(desk)
    status = queue.queue_status(conversation=second)
    assert status.position == 2
    assert status.agents_online == 0
    assert status.estimated_wait_seconds == 2 * 300
    assert queue.queue_status(conversation=first).position == 1


def test_csat_after_resolution_once(desk: Desk) -> None:
    c = open_conversation(desk)
    with pytest.raises(DeskError, match="csat_not_allowed"):
        csat.csat_submit(conversation_id=c.pk, customer=desk.customer, score=5)
    conversations.conversation_resolve(conversation_id=c.pk, actor=desk.agent)
    with pytest.raises(DeskError, match="invalid_score"):
        csat.csat_submit(conversation_id=c.pk, customer=desk.customer, score=6)
    csat.csat_submit(conversation_id=c.pk, customer=desk.customer, score=4, comment="快")
    with pytest.raises(DeskError, match="csat_already"):
        csat.csat_submit(conversation_id=c.pk, customer=desk.customer, score=1)


def test_canned_response_placeholders_are_data_not_templates(desk: Desk) -> None:
    canned = CannedResponse.objects.create(
        shortcut="hello", title_zh_hans="问候", title_en="Hello",
        body_zh_hans="{customer_name}，您好！", body_en="Hi {customer_name}, {agent_name} here. "
        "{customer_name.__class__} {0} {{literal}} {{% debug %}}",
    )
    values: dict[str, Any] = {"customer_name": "{agent_name}<b>", "agent_name": "Alice"}
    assert canned.render("zh-hans", values) == "{agent_name}<b>，您好！"
    assert canned.render("en", values) == (
        "Hi {agent_name}<b>, Alice here. {customer_name.__class__} {0} {literal} {% debug %}"
    )


def test_reveal_requires_a_reason_and_writes_an_audit_row(desk: Desk) -> None:
    c = open_conversation(desk)
    identity = identity_add(customer=desk.customer, kind="email", address="zhang@example.com")
    with pytest.raises(DeskError, match="reason_required"):
        identity_reveal(conversation=c, identity_id=identity.pk, actor=desk.agent, reason=" ")
    assert not AuditEntry.objects.exists()
    value = identity_reveal(conversation=c, identity_id=identity.pk, actor=desk.agent,
                            reason="customer asked to confirm the address")
    assert value == "zhang@example.com"
    entry = AuditEntry.objects.get()
    assert entry.action == "desk.pii_reveal"
    assert entry.actor == desk.agent
    assert entry.reason == "customer asked to confirm the address"


def test_verified_identity_belongs_to_one_customer(desk: Desk) -> None:
    other = type(desk.customer).objects.create(kind="visitor")
    now = datetime.now(UTC)
    identity_add(customer=desk.customer, kind="email", address="a@example.com", verified_at=now)
    from django.db import IntegrityError
    with pytest.raises(IntegrityError):
        identity_add(customer=other, kind="email", address="a@example.com", verified_at=now)


def test_csat_score_constraint_in_model(desk: Desk) -> None:
    from kefu.desk.models import CsatRating
    c = open_conversation(desk)
    with pytest.raises(ValidationError):
        CsatRating(conversation=c, score=0).full_clean()


def _unused(user: User) -> None:  # keeps the User import meaningful for type checkers
    del user
