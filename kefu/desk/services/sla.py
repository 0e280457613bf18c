"""SLA deadlines counted in the team's business hours.

A team without a calendar works around the clock: deadlines are plain wall-clock time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kefu.core.business_hours import Schedule, schedule_for
from kefu.desk.models import ACTIVE_STATUSES, Conversation, SlaPolicy, Status, Team


def team_schedule(team: Team | None) -> Schedule | None:
    if team is None or team.calendar_id is None:
        return None
    assert team.calendar is not None
    return schedule_for(team.calendar)


def add_business_minutes(schedule: Schedule | None, start: datetime, minutes: int) -> datetime:
    if schedule is None:
        return start + timedelta(minutes=minutes)
    try:
        return schedule.add_business_seconds(start, minutes * 60)
    except ValueError:  # a calendar that never opens: the deadline is "never"
        return start + timedelta(days=3650)


def policy_for(*, priority: int, category: str) -> SlaPolicy | None:
    """The most specific policy: priority and category > category > priority > catch-all."""
    candidates = SlaPolicy.objects.filter(
        Q(priority=priority) | Q(priority__isnull=True),
        Q(category=category) | Q(category=""),
    )

    def specificity(policy: SlaPolicy) -> tuple[int, int]:
        return (policy.category != "", policy.priority is not None)

    return max(candidates, key=specificity, default=None)


def refresh_next_due(conversation: Conversation) -> list[str]:
    """Recompute ``next_sla_due``; returns the changed field names for ``save``."""
    pending: list[datetime] = []
    if conversation.status in ACTIVE_STATUSES:
        if conversation.first_response_at is None and conversation.first_response_due:
            pending.append(conversation.first_response_due)
        if conversation.next_response_due:
            pending.append(conversation.next_response_due)
        if conversation.resolution_at is None and conversation.resolution_due:
            pending.append(conversation.resolution_due)
    conversation.next_sla_due = min(pending, default=None)
    return ["next_sla_due"]


def sla_start(conversation: Conversation, *, now: datetime) -> list[str]:
    policy = policy_for(priority=conversation.priority, category=conversation.category)
    if policy is None:
        return []
    schedule = team_schedule(conversation.team)
    conversation.first_response_due = add_business_minutes(
        schedule, now, policy.first_response_minutes
    )
    conversation.resolution_due = add_business_minutes(schedule, now, policy.resolution_minutes)
    return ["first_response_due", "resolution_due", *refresh_next_due(conversation)]


def sla_on_agent_reply(conversation: Conversation, *, now: datetime) -> list[str]:
    fields: list[str] = []
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        due = conversation.first_response_due
        conversation.first_response_breached = due is not None and now > due
        fields += ["first_response_at", "first_response_breached"]
    if conversation.next_response_due is not None:
        if now > conversation.next_response_due:
            conversation.next_response_breached = True
            fields.append("next_response_breached")
        conversation.next_response_due = None
        fields.append("next_response_due")
    return fields + refresh_next_due(conversation)


def sla_on_customer_message(conversation: Conversation, *, now: datetime) -> list[str]:
    """After the first answer, a customer message starts the next-response clock."""
    if conversation.first_response_at is None or conversation.next_response_due is not None:
        return []
    policy = policy_for(priority=conversation.priority, category=conversation.category)
    if policy is None:
        return []
    conversation.next_response_due = add_business_minutes(
        team_schedule(conversation.team), now, policy.next_response_minutes
    )
    return ["next_response_due", *refresh_next_due(conversation)]


def sla_on_resolve(conversation: Conversation, *, now: datetime) -> list[str]:
    conversation.resolution_at = now
    due = conversation.resolution_due
    conversation.resolution_breached = due is not None and now > due
    conversation.next_response_due = None
    return ["resolution_at", "resolution_breached", "next_response_due"]


def sla_on_reopen(conversation: Conversation) -> list[str]:
    conversation.resolution_at = None
    return ["resolution_at"]


@transaction.atomic
def sla_mark_breaches(*, now: datetime | None = None) -> int:
    """Record breached flags on conversations whose deadlines passed (a periodic task).

    Conditional UPDATEs: safe when several workers run it at once.
    """
    now = now or timezone.now()
    active = Q(status__in=ACTIVE_STATUSES)
    count = Conversation.objects.filter(
        active, first_response_at__isnull=True, first_response_due__lt=now,
        first_response_breached=False,
    ).update(first_response_breached=True)
    count += Conversation.objects.filter(
        active, next_response_due__lt=now, next_response_breached=False
    ).update(next_response_breached=True)
    count += Conversation.objects.filter(
        active, resolution_at__isnull=True, resolution_due__lt=now, resolution_breached=False
    ).exclude(status=Status.RESOLVED).update(resolution_breached=True)
    return count
