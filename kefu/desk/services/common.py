"""Helpers shared by the services: actors, history rows, realtime notices."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

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
    for name, value in changes.items():
        setattr(conversation, name, value)
    conversation.last_activity_at = timezone.now()
    conversation.save(update_fields=[*changes, "last_activity_at"])
    if set(changes) - set(covered):
        events.publish(conversation.pk, {"event": "conversation.updated",
                                         "fields": sorted(changes),
                                         "status": conversation.status})
