"""Helpers shared by the services: actors, history rows, realtime notices."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from kefu.core.bulk import update_rows
from kefu.desk import events
from kefu.desk.models import AgentProfile, Conversation, ConversationEvent

Actor = User | None
"""The user who acts, or None for the system (pipeline, tasks, routing)."""


def actor_label(actor: Actor) -> str:
    return actor.get_username() if actor is not None else "system"


def agent_profile(user: User | None) -> AgentProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return AgentProfile.objects.filter(user_id=user.pk).first()


def record_event(
    conversation: Conversation,
    *,
    actor: Actor,
    field: str,
    old: Any = "",
    new: Any = "",
    note: str = "",
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        conversation=conversation,
        actor=actor,
        actor_label=actor_label(actor),
        field=field,
        old_value="" if old is None else str(old)[:200],
        new_value="" if new is None else str(new)[:200],
        note=note[:300],
    )


def touch(
    conversation: Conversation, *, covered: Collection[str] = (), **changes: Any
) -> None:
    """Save ``changes`` plus the activity time, and ring the doorbell after commit.

    ``covered``: fields the caller's own doorbell already stands for (a new message's
    ``message.created`` covers the log's bookkeeping); when nothing else changed, no
    ``conversation.updated`` is rung.
    """
    touch_many({conversation: changes}, covered=covered)


def touch_many(
    changes: Mapping[Conversation, Mapping[str, Any]], *, covered: Collection[str] = ()
) -> None:
    """:func:`touch` for several (locked) conversations: one prepared UPDATE for all.

    Each row gets the union of the fields changed anywhere; the fields a conversation
    did not change are written with the values it holds, which are current because the
    caller holds its row lock.
    """
    if not changes:
        return
    now = timezone.now()
    fields: set[str] = {"last_activity_at"}
    for conversation, changed in changes.items():
        for name, value in changed.items():
            setattr(conversation, name, value)
        conversation.last_activity_at = now
        fields.update(changed)
    update_rows(list(changes), fields)
    for conversation, changed in changes.items():
        if set(changed) - set(covered):
            events.publish(conversation.pk, {"event": "conversation.updated",
                                             "fields": sorted(changed),
                                             "status": conversation.status})
