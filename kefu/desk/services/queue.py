"""Queue position and estimated wait for a customer waiting for an agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, DurationField, ExpressionWrapper, F
from django.utils import timezone

from kefu.desk import conf
from kefu.desk.models import AgentProfile, Conversation, Presence, Status


@dataclass(frozen=True)
class QueueStatus:
    position: int  # 1 = next; 0 = not waiting (assigned or not open)
    estimated_wait_seconds: int
    agents_online: int


def average_handling_seconds(*, team_id: int, now: datetime) -> float:
    """Mean time to first response over the team's last week, or the configured default."""
    since = now - timedelta(days=7)
    result = (
        Conversation.objects.filter(
            team_id=team_id, first_response_at__isnull=False, first_response_at__gte=since
        )
        .order_by("-first_response_at")[:200]
        .aggregate(
            avg=Avg(ExpressionWrapper(F("first_response_at") - F("created_at"),
                                      output_field=DurationField()))
        )["avg"]
    )
    if result is None:
        return float(conf.default_handling_seconds())
    return max(float(result.total_seconds()), 30.0)


def queue_status(*, conversation: Conversation, now: datetime | None = None) -> QueueStatus:
    now = now or timezone.now()
    online = AgentProfile.objects.filter(
        teams=conversation.team_id, presence=Presence.ONLINE
    ).count() if conversation.team_id else 0
    if (
        conversation.team_id is None
        or conversation.assignee_id is not None
        or conversation.status != Status.OPEN
        or conversation.waiting_since is None
    ):
        return QueueStatus(position=0, estimated_wait_seconds=0, agents_online=online)
    ahead = Conversation.objects.filter(
        team_id=conversation.team_id, assignee__isnull=True, status=Status.OPEN,
        waiting_since__lt=conversation.waiting_since,
    ).count()
    position = ahead + 1
    handling = average_handling_seconds(team_id=conversation.team_id, now=now)
    wait = position * handling / max(online, 1)
    return QueueStatus(position=position, estimated_wait_seconds=int(wait), agents_online=online)
