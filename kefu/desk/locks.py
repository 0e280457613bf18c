"""Row locks, always taken in one order: conversation, then agent profiles by primary key.

Every service that locks more than one row goes through these helpers, so two services
can never wait on each other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Iterable

from kefu.core.bulk import select_in
from kefu.desk.errors import DeskError
from kefu.desk.models import AgentProfile, Conversation


def lock_conversation(conversation_id: int) -> Conversation:
    conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if conversation is None:
        raise DeskError("not_found")
    return conversation


def lock_conversations(conversation_ids: Iterable[int]) -> dict[int, Conversation]:
    """Several conversations, locked by primary key (the order every locker uses)."""
    rows = select_in(Conversation, {"pk": set(conversation_ids)}, order_by_pk=True,
                     for_update=True)  # the chat's hot path: no ORM compile (kefu.core.bulk)
    return {c.pk: c for c in rows}


def lock_agent_profiles(profile_ids: Iterable[int]) -> list[AgentProfile]:
    return list(
        AgentProfile.objects.select_for_update().filter(pk__in=list(profile_ids)).order_by("pk")
    )
