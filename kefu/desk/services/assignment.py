"""Who works on a conversation: manual assignment, transfer, round-robin, return to queue."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kefu.desk import conf
from kefu.desk.errors import DeskError
from kefu.desk.locks import lock_agent_profiles, lock_conversation
from kefu.desk.models import AgentProfile, Conversation, Presence, Status, Team
from kefu.desk.services import sla
from kefu.desk.services.common import Actor, record_event, touch

logger = logging.getLogger(__name__)

# Conversations that count against an agent's capacity.
LOAD_STATUSES = (Status.OPEN, Status.WAITING)
_UNCHANGED = object()


def _username(user_id: int | None) -> str:
    if user_id is None:
        return ""
    return str(
        get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()
    )


def conversation_assign(
    *,
    conversation_id: int,
    assignee: User | None,
    actor: Actor,
    expected_assignee_id: int | object | None = _UNCHANGED,
) -> Conversation:
    """Assign (or unassign, with None) by hand. A manual assignment always wins over routing.

    ``expected_assignee_id`` is who the actor saw assigned when they clicked. If somebody
    else changed it meanwhile, the attempt is refused with ``already_assigned``, and the
    refused attempt is still written to the history: two agents grabbing the same
    conversation see one winner, and the history shows both.
    """
    if assignee is not None and not AgentProfile.objects.filter(user_id=assignee.pk).exists():
        raise DeskError("not_an_agent")
    conflict = False
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        new_id = assignee.pk if assignee is not None else None
        if expected_assignee_id is not _UNCHANGED and conversation.assignee_id not in (
            expected_assignee_id, new_id,
        ):
            record_event(
                conversation, actor=actor, field="assignee_refused",
                old=_username(conversation.assignee_id),
                new=assignee.get_username() if assignee is not None else "",
                note="already assigned",
            )
            conflict = True
        elif conversation.assignee_id != new_id:
            old = _username(conversation.assignee_id)
            changes: dict[str, Any] = {"assignee_id": new_id}
            if conversation.status == Status.OPEN:
                changes["waiting_since"] = None if new_id else timezone.now()
            touch(conversation, **changes)
            record_event(conversation, actor=actor, field="assignee", old=old,
                         new=assignee.get_username() if assignee is not None else "")
    if conflict:
        raise DeskError("already_assigned")
    return conversation


@transaction.atomic
def conversation_transfer(*, conversation_id: int, team_id: int, actor: Actor) -> Conversation:
    """Move to another team's queue; the conversation leaves its assignee."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise DeskError("team_not_found")
    conversation = lock_conversation(conversation_id)
    if conversation.team_id == team.pk:
        return conversation
    old_team = str(conversation.team) if conversation.team_id else ""
    changes: dict[str, Any] = {"team_id": team.pk, "assignee_id": None}
    if conversation.status == Status.OPEN:
        changes["waiting_since"] = timezone.now()
    touch(conversation, **changes)
    record_event(conversation, actor=actor, field="team", old=old_team, new=str(team))
    transaction.on_commit(lambda: conversation_route_safely(conversation.pk))
    return conversation


def _loads(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Conversation.objects.filter(assignee_id__in=user_ids, status__in=LOAD_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


@transaction.atomic
def assign_round_robin(*, conversation_id: int, now: datetime | None = None) -> int | None:
    """Give an open, unassigned conversation to the team's next available agent.

    Available: online, in the team, below capacity. Next: assigned longest ago. Returns
    the chosen user id, or None (nobody available, team closed, already assigned).
    """
    now = now or timezone.now()
    conversation = lock_conversation(conversation_id)
    if conversation.assignee_id is not None or conversation.status != Status.OPEN:
        return None
    team = conversation.team
    if team is None:
        return None
    schedule = sla.team_schedule(team)
    if schedule is not None and not schedule.is_open(now):
        return None  # waits in the queue for opening time
    candidate_ids = list(
        AgentProfile.objects.filter(teams=team, presence=Presence.ONLINE).values_list(
            "pk", flat=True
        )
    )
    profiles = lock_agent_profiles(candidate_ids)
    loads = _loads([p.user_id for p in profiles])
    eligible = [p for p in profiles if loads.get(p.user_id, 0) < p.capacity]
    if not eligible:
        return None
    chosen = min(
        eligible,
        key=lambda p: (p.last_assigned_at is not None, p.last_assigned_at or now, p.pk),
    )
    AgentProfile.objects.filter(pk=chosen.pk).update(last_assigned_at=now)
    touch(conversation, assignee_id=chosen.user_id, waiting_since=None)
    record_event(conversation, actor=None, field="assignee", new=_username(chosen.user_id),
                 note="round-robin")
    return chosen.user_id


def conversation_route(*, conversation_id: int) -> int | None:
    """After storing: tell the customer when the team is closed, then try round-robin."""
    from kefu.desk.services.hours import out_of_hours_reply

    out_of_hours_reply(conversation_id=conversation_id)
    return assign_round_robin(conversation_id=conversation_id)


def conversation_route_safely(conversation_id: int) -> None:
    # Routing runs after the message is stored and acknowledged; a failure here leaves
    # the conversation in the queue rather than losing anything.
    try:
        conversation_route(conversation_id=conversation_id)
    except Exception:
        logger.exception("routing conversation %s failed; it stays in the queue", conversation_id)


def return_to_queue(*, now: datetime | None = None, minutes: int | None = None) -> int:
    """Conversations of agents unseen for ``minutes`` go back to their team's queue.

    Returns how many moved. Each conversation is re-checked under its lock, so an agent
    who came back meanwhile keeps theirs.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=conf.offline_return_minutes() if minutes is None else minutes)
    gone = list(
        AgentProfile.objects.filter(
            Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True)
        ).values_list("user_id", flat=True)
    )
    AgentProfile.objects.filter(user_id__in=gone).exclude(presence=Presence.OFFLINE).update(
        presence=Presence.OFFLINE
    )
    moved = 0
    ids = Conversation.objects.filter(assignee_id__in=gone, status__in=LOAD_STATUSES).values_list(
        "pk", "assignee_id"
    )
    for pk, user_id in list(ids):
        with transaction.atomic():
            conversation = lock_conversation(pk)
            if conversation.assignee_id != user_id or conversation.status not in LOAD_STATUSES:
                continue
            changes: dict[str, Any] = {"assignee_id": None}
            if conversation.status == Status.OPEN:
                changes["waiting_since"] = now
            touch(conversation, **changes)
            record_event(conversation, actor=None, field="assignee", old=_username(user_id),
                         note="agent offline: back to the queue")
            transaction.on_commit(functools.partial(conversation_route_safely, pk))
            moved += 1
    return moved


@transaction.atomic
def agent_set_presence(*, user: User, presence: str) -> AgentProfile:
    if presence not in Presence.values:
        raise ValueError(f"unknown presence {presence!r}")
    profile = AgentProfile.objects.select_for_update().get(user_id=user.pk)
    profile.presence = presence
    profile.last_seen = timezone.now()
    profile.save(update_fields=["presence", "last_seen"])
    return profile


def agent_heartbeat(*, user: User, now: datetime | None = None) -> None:
    """Console polling keeps ``last_seen`` fresh; at most one write every 30 seconds."""
    now = now or timezone.now()
    AgentProfile.objects.filter(user_id=user.pk).filter(
        Q(last_seen__isnull=True) | Q(last_seen__lt=now - timedelta(seconds=30))
    ).update(last_seen=now)

