"""Opening conversations and moving them through their statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.core.i18n import normalize_language
from kefu.desk import events
from kefu.desk.errors import DeskError
from kefu.desk.locks import lock_conversation
from kefu.desk.models import (
    Category,
    Channel,
    Conversation,
    DeskCustomer,
    Priority,
    Status,
    Team,
)
from kefu.desk.services import sla
from kefu.desk.services.common import Actor, record_event, touch

# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "wait": (frozenset({Status.OPEN}), Status.WAITING),
    "snooze": (frozenset({Status.OPEN, Status.WAITING}), Status.SNOOZED),
    "resolve": (frozenset({Status.OPEN, Status.WAITING, Status.SNOOZED}), Status.RESOLVED),
    "reopen": (frozenset({Status.RESOLVED, Status.SNOOZED, Status.WAITING}), Status.OPEN),
    "close": (
        frozenset({Status.OPEN, Status.WAITING, Status.SNOOZED, Status.RESOLVED}),
        Status.CLOSED,
    ),
}


def default_team() -> Team | None:
    return Team.objects.filter(is_default=True).order_by("pk").first() or (
        Team.objects.order_by("pk").first()
    )


@transaction.atomic
def conversation_open(
    *,
    customer: DeskCustomer,
    channel: str,
    category: str = Category.OTHER,
    subject: str = "",
    priority: int = Priority.NORMAL,
    context: dict[str, Any] | None = None,
    team: Team | None = None,
    language: str | None = None,
    actor: Actor = None,
) -> Conversation:
    """A new conversation in the team's queue, with SLA deadlines and prepared context.

    ``context`` comes from :func:`kefu.desk.services.context.prepared_context`, called by
    the caller *before* this transaction (it may talk to a remote exchange).
    """
    if category not in Category.values:
        raise DeskError("unknown_category", category)
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if priority not in Priority.values:
        raise ValueError(f"unknown priority {priority!r}")
    now = timezone.now()
    conversation = Conversation.objects.create(
        customer=customer,
        channel=channel,
        category=category,
        subject=subject.strip()[:200],
        priority=priority,
        context=context or {},
        team=team or default_team(),
        language=normalize_language(language or customer.language),
        waiting_since=now,
    )
    if fields := sla.sla_start(conversation, now=now):
        conversation.save(update_fields=fields)
    record_event(conversation, actor=actor, field="created", new=conversation.category)
    events.publish(conversation.pk, {"event": "conversation.created"})
    return conversation


def _change_status(
    conversation: Conversation, *, action: str, actor: Actor, now: datetime,
    snoozed_until: datetime | None = None, note: str = "",
) -> None:
    """Apply one transition to a locked conversation (the caller holds the lock)."""
    allowed, target = TRANSITIONS[action]
    if conversation.status not in allowed:
        raise DeskError("invalid_transition", f"{action} from {conversation.status}")
    old = conversation.status
    changes: dict[str, Any] = {"status": target, "snoozed_until": snoozed_until}
    fields: list[str] = []
    if target == Status.RESOLVED:
        fields += sla.sla_on_resolve(conversation, now=now)
    if old == Status.RESOLVED and target == Status.OPEN:
        fields += sla.sla_on_reopen(conversation)
    conversation.status = target
    fields += sla.refresh_next_due(conversation)
    if target == Status.OPEN and conversation.assignee_id is None:
        changes["waiting_since"] = now
    elif target != Status.OPEN:
        changes["waiting_since"] = None
    touch(conversation, **changes, **{f: getattr(conversation, f) for f in fields})
    record_event(conversation, actor=actor, field="status", old=old, new=target, note=note)
    if snoozed_until is not None:
        record_event(conversation, actor=actor, field="snoozed_until",
                     new=snoozed_until.isoformat())


@transaction.atomic
def conversation_transition(
    *, conversation_id: int, action: str, actor: Actor,
    snoozed_until: datetime | None = None, note: str = "",
) -> Conversation:
    """Snooze, resolve, reopen, close or set waiting.

    An impossible change raises ``invalid_transition`` and changes nothing.
    """
    if action not in TRANSITIONS:
        raise DeskError("invalid_transition", action)
    now = timezone.now()
    if action == "snooze" and (snoozed_until is None or snoozed_until <= now):
        raise DeskError("snooze_in_past")
    conversation = lock_conversation(conversation_id)
    _change_status(conversation, action=action, actor=actor, now=now,
                   snoozed_until=snoozed_until if action == "snooze" else None, note=note)
    return conversation


def conversation_snooze(*, conversation_id: int, until: datetime, actor: Actor) -> Conversation:
    return conversation_transition(
        conversation_id=conversation_id, action="snooze", actor=actor, snoozed_until=until
    )


def conversation_resolve(*, conversation_id: int, actor: Actor) -> Conversation:
    return conversation_transition(conversation_id=conversation_id, action="resolve", actor=actor)


def conversation_reopen(*, conversation_id: int, actor: Actor) -> Conversation:
    return conversation_transition(conversation_id=conversation_id, action="reopen", actor=actor)


def conversation_close(*, conversation_id: int, actor: Actor) -> Conversation:
    return conversation_transition(conversation_id=conversation_id, action="close", actor=actor)


@transaction.atomic
def conversation_set_category(
    *, conversation_id: int, category: str, actor: Actor
) -> Conversation:
    if category not in Category.values:
        raise DeskError("unknown_category", category)
    conversation = lock_conversation(conversation_id)
    if conversation.category != category:
        old = conversation.category
        touch(conversation, category=category)
        record_event(conversation, actor=actor, field="category", old=old, new=category)
    return conversation


def conversations_wake_snoozed(*, now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose time has come (a periodic task)."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
        .values_list("pk", flat=True)[:500]
    )
    woken = 0
    for pk in due:
        try:
            conversation_transition(conversation_id=pk, action="reopen", actor=None,
                                    note="snooze ended")
            woken += 1
        except DeskError:  # changed meanwhile by an agent: theirs wins
            continue
    return woken
