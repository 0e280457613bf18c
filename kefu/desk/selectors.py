"""Reading: what an agent may see, and the inbox queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from kefu.desk import conf
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    AgentProfile,
    Category,
    Channel,
    Conversation,
    CustomerIdentity,
    DeskCustomer,
    Label,
    Mention,
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


SEARCH_LIMIT = 50
SEARCH_MIN_CHARS = 2


@dataclass(frozen=True)
class SearchResults:
    query: str
    conversations: list[Conversation]
    customers: list[DeskCustomer]
    too_short: bool = False


def search(profile: AgentProfile, query: str) -> SearchResults:
    """Conversations and customers matching ``query``, only among what the agent may see.

    Number (``123`` or ``#123``), subject and message text (substring), customer name
    (substring), identity address (exact or prefix). Each part stops after a bounded
    number of rows, so a broad word costs the same as a narrow one. Substring search
    scans messages: fine at phase-1 scale; a full-text index replaces it later.
    """
    query = query.strip()[:100]
    if len(query) < SEARCH_MIN_CHARS and not query.lstrip("#").isdigit():
        return SearchResults(query=query, conversations=[], customers=[], too_short=bool(query))
    visible = visible_conversations(profile)
    bound = SEARCH_LIMIT * 4
    ids: set[int] = set()
    number = query.lstrip("#")
    if number.isdigit() and len(number) < 12:
        ids.update(visible.filter(pk=int(number)).values_list("pk", flat=True))
    ids.update(visible.filter(subject__icontains=query).values_list("pk", flat=True)[:bound])
    ids.update(
        Message.objects.filter(conversation__in=visible.values("pk"), body__icontains=query)
        .values_list("conversation_id", flat=True)[:bound]
    )
    customer_ids = set(
        DeskCustomer.objects.filter(display_name__icontains=query)
        .values_list("pk", flat=True)[:bound]
    )
    customer_ids.update(
        CustomerIdentity.objects.filter(
            Q(address__iexact=query) | Q(address__istartswith=query)
        ).values_list("customer_id", flat=True)[:bound]
    )
    by_customer = visible.filter(customer_id__in=customer_ids)
    ids.update(by_customer.values_list("pk", flat=True)[:bound])
    conversations = list(
        visible.filter(pk__in=ids)
        .select_related("customer", "team", "assignee__agent_profile")
        .order_by("-last_activity_at", "-id")[:SEARCH_LIMIT]
    )
    # Only customers the agent has a visible conversation with: no directory of strangers.
    customers = list(
        DeskCustomer.objects.filter(
            pk__in=by_customer.values("customer_id")
        ).order_by("display_name", "pk")[:SEARCH_LIMIT]
    )
    return SearchResults(query=query, conversations=conversations, customers=customers)


def unread_mentions(user: User) -> int:
    return Mention.objects.filter(mentioned=user, read_at__isnull=True).values("pk")[
        :UNREAD_CAP
    ].count()


def recent_mentions(profile: AgentProfile, *, limit: int = 50) -> list[Mention]:
    """The agent's mentions in conversations they can still see, unread first."""
    return list(
        Mention.objects.filter(
            mentioned_id=profile.user_id,
            conversation__in=visible_conversations(profile).values("pk"),
        )
        .select_related("conversation", "author__agent_profile", "message")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at")[:limit]
    )


def conversation_labels(conversation: Conversation) -> tuple[list[Label], list[Label]]:
    """(on the conversation, the others) — for the label editor."""
    on = list(conversation.labels.all())
    on_ids = {label.pk for label in on}
    return on, [label for label in Label.objects.all() if label.pk not in on_ids]
