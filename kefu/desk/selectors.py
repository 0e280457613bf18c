"""Reading: what an agent may see, and the inbox queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from kefu.desk import conf
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    AgentProfile,
    Category,
    Channel,
    Conversation,
    Message,
    Status,
)

VIEWS = ("mine", "unassigned", "teams", "all")
SLA_STATES = ("breached", "due_soon")


def visible_conversations(profile: AgentProfile) -> QuerySet[Conversation]:
    """Supervisors and admins see everything; agents their teams, the unrouted queue and theirs."""
    qs = Conversation.objects.all()
    if profile.sees_all_teams:
        return qs
    team_ids = list(profile.teams.values_list("pk", flat=True))
    return qs.filter(
        Q(team_id__in=team_ids) | Q(team__isnull=True) | Q(assignee_id=profile.user_id)
    )


def conversation_for(profile: AgentProfile, pk: int) -> Conversation:
    conversation = (
        visible_conversations(profile)
        .select_related("customer", "team", "assignee__agent_profile")
        .filter(pk=pk)
        .first()
    )
    if conversation is None:
        raise DeskError("not_found")
    return conversation


@dataclass(frozen=True)
class InboxFilter:
    view: str = "mine"
    status: str = Status.OPEN
    category: str = ""
    channel: str = ""
    label: str = ""
    sla: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> InboxFilter:
        """Unknown values fall back to "no filter" rather than erroring: links get stale."""
        def pick(name: str, allowed: tuple[str, ...] | list[str], default: str = "") -> str:
            value = query.get(name, default)
            return value if value in allowed else default

        return cls(
            view=pick("view", VIEWS, "mine"),
            status=pick("status", [*Status.values, "any"], Status.OPEN),
            category=pick("category", Category.values),
            channel=pick("channel", Channel.values),
            label=query.get("label", "")[:50],
            sla=pick("sla", SLA_STATES),
        )


def inbox(profile: AgentProfile, flt: InboxFilter) -> QuerySet[Conversation]:
    qs = visible_conversations(profile)
    if flt.view == "mine":
        qs = qs.filter(assignee_id=profile.user_id)
    elif flt.view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif flt.view == "teams":
        qs = qs.filter(team_id__in=list(profile.teams.values_list("pk", flat=True)))
    if flt.status != "any":
        qs = qs.filter(status=flt.status)
    if flt.category:
        qs = qs.filter(category=flt.category)
    if flt.channel:
        qs = qs.filter(channel=flt.channel)
    if flt.label:
        qs = qs.filter(labels__slug=flt.label)
    now = timezone.now()
    if flt.sla == "breached":
        qs = qs.filter(next_sla_due__lt=now)
    elif flt.sla == "due_soon":
        qs = qs.filter(
            next_sla_due__gte=now,
            next_sla_due__lt=now + timedelta(minutes=conf.sla_warning_minutes()),
        )
    return qs.select_related("customer", "team", "assignee__agent_profile").order_by(
        "-last_activity_at", "-id"
    )


def inbox_page(profile: AgentProfile, flt: InboxFilter) -> list[Conversation]:
    return list(inbox(profile, flt)[: conf.inbox_page_size()])


UNREAD_CAP = 100


def unread_counts(profile: AgentProfile) -> dict[str, int]:
    """Open conversations with customer messages no agent has seen yet, per view.

    Capped at ``UNREAD_CAP`` (shown as "99+"): counting stops after that many rows, so the
    cost stays flat however large the backlog.
    """
    from django.db.models import F

    base = visible_conversations(profile).filter(
        status=Status.OPEN, last_customer_seq__gt=F("agent_read_seq")
    )
    team_ids = list(profile.teams.values_list("pk", flat=True))
    views = {
        "mine": base.filter(assignee_id=profile.user_id),
        "unassigned": base.filter(assignee__isnull=True),
        "teams": base.filter(team_id__in=team_ids),
        "all": base,
    }
    return {name: qs.values("pk")[:UNREAD_CAP].count() for name, qs in views.items()}


def conversation_messages(
    conversation: Conversation, *, after_seq: int = 0, include_notes: bool = True
) -> list[Message]:
    qs = Message.objects.filter(conversation=conversation, seq__gt=after_seq)
    if not include_notes:
        qs = qs.exclude(kind="note")
    return list(
        qs.select_related("author_user__agent_profile", "author_customer")
        .prefetch_related("revisions")
        .order_by("seq")
    )


def agent_users(profile: AgentProfile) -> QuerySet[User]:
    return User.objects.filter(agent_profile__isnull=False).select_related("agent_profile")
