"""Reading: what an agent may see, and the inbox queries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from kefu.desk import conf
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    AgentProfile,
    Attachment,
    Category,
    Channel,
    Conversation,
    CustomerIdentity,
    DeskCustomer,
    Label,
    Mention,
    Message,
    MessageKind,
    MessageRevision,
    Status,
)

VIEWS = ("mine", "unassigned", "teams", "all")
SLA_STATES = ("breached", "due_soon")


def visible_conversations(profile: AgentProfile) -> QuerySet[Conversation]:
    """Supervisors and admins see everything; agents their teams, the unrouted queue and theirs."""
    qs = Conversation.objects.all()
    if profile.sees_all_teams:
        return qs
    return qs.filter(
        Q(team_id__in=_team_ids(profile)) | Q(team__isnull=True) | Q(assignee_id=profile.user_id)
    )


def may_see(profile: AgentProfile, team_ids: Collection[int], *, team_id: int | None,
             assignee_id: int | None) -> bool:
    """:func:`visible_conversations`' rule for one conversation, in Python, given the
    agent's team ids (for a stream that checks many agents against one row)."""
    return (profile.sees_all_teams or team_id is None or team_id in team_ids
            or assignee_id == profile.user_id)


def team_ids_of(profile: AgentProfile) -> frozenset[int]:
    return frozenset(_team_ids(profile).values_list("team_id", flat=True))


def message_author(message: Message) -> tuple[str, str]:
    """(role, display name) of a message's author as the chat shows it to anyone."""
    if message.kind in (MessageKind.AGENT, MessageKind.NOTE):
        user = message.author_user
        profile = getattr(user, "agent_profile", None) if user else None
        return "agent", profile.display_name if profile else ""
    if message.kind == MessageKind.CUSTOMER:
        customer = message.author_customer
        return "customer", customer.display_name if customer else ""
    return "system", ""


def _team_ids(profile: AgentProfile) -> QuerySet[Any]:
    """The agent's team ids as a subquery: part of the caller's query, not a round trip."""
    return AgentProfile.teams.through.objects.filter(agentprofile_id=profile.pk).values("team_id")


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
        qs = qs.filter(team_id__in=_team_ids(profile))
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


@dataclass(frozen=True)
class InboxRow:
    """One inbox line, display-ready: the template only prints (no lookups per row)."""

    pk: int
    customer: str
    subject: str
    category: str
    channel: str
    assignee: str | None  # None: unassigned
    sla_iso: str
    sla_label: str
    activity_iso: str
    activity_label: str
    unread: bool


def _local(value: datetime | None, fmt: str) -> tuple[str, str]:
    """(ISO 8601, short label) in the active time zone, as ``|date:'c'`` and ``|date`` give."""
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.isoformat(), local.strftime(fmt)


INBOX_FIELDS = (
    "pk", "subject", "category", "channel", "assignee_id", "next_sla_due", "last_activity_at",
    "last_customer_seq", "agent_read_seq", "customer__display_name", "customer__public_id",
    "assignee__username", "assignee__agent_profile__display_name",
)


def inbox_page(profile: AgentProfile, flt: InboxFilter) -> list[InboxRow]:
    """The first page as plain rows: one query reading only the columns shown."""
    categories = {value: str(label) for value, label in Category.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    rows = []
    for r in inbox(profile, flt).values(*INBOX_FIELDS)[: conf.inbox_page_size()]:
        sla_iso, sla_label = _local(r["next_sla_due"], "%m-%d %H:%M")
        activity_iso, activity_label = _local(r["last_activity_at"], "%m-%d %H:%M")
        assignee = None
        if r["assignee_id"] is not None:
            assignee = r["assignee__agent_profile__display_name"] or r["assignee__username"]
        rows.append(InboxRow(
            pk=r["pk"],
            customer=r["customer__display_name"] or str(r["customer__public_id"])[:8],
            subject=Truncator(r["subject"] or "—").chars(80),
            category=categories.get(r["category"], r["category"]),
            channel=channels.get(r["channel"], r["channel"]),
            assignee=assignee,
            sla_iso=sla_iso, sla_label=sla_label,
            activity_iso=activity_iso, activity_label=activity_label,
            unread=r["last_customer_seq"] > r["agent_read_seq"],
        ))
    return rows


UNREAD_CAP = 100


def unread_counts(profile: AgentProfile) -> dict[str, int]:
    """Open conversations with customer messages no agent has seen yet, per view.

    Capped at ``UNREAD_CAP`` (shown as "99+"): counting stops after that many rows, so the
    cost stays flat however large the backlog. The four counts and the agent's unread
    mentions (for the header) are one round trip: one scalar subquery each.
    """
    # In the inbox's own order: each count then walks the index its view's page uses and
    # stops at the cap (unordered, PostgreSQL bitmap-scans the whole unassigned queue).
    base = visible_conversations(profile).filter(
        status=Status.OPEN, last_customer_seq__gt=F("agent_read_seq")
    ).order_by("-last_activity_at", "-id")
    views: dict[str, QuerySet[Any]] = {
        "mine": base.filter(assignee_id=profile.user_id),
        "unassigned": base.filter(assignee__isnull=True),
        "teams": base.filter(team_id__in=_team_ids(profile)),
        "all": base,
        "mentions": _unread_mentions(profile.user),
    }
    parts, params = [], []
    for i, qs in enumerate(views.values()):
        capped = qs.values("pk")[:UNREAD_CAP]
        sql, part_params = capped.query.get_compiler(using=capped.db).as_sql()
        # the ORM compiled ``sql``, values stay in ``params``
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped_{i})")  # noqa: S608
        params.extend(part_params)
    with connections[base.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    counts = dict(zip(views, row, strict=True))
    # the header's mention badge asks unread_mentions() later in this request: answered
    profile.user._desk_unread_mentions = counts.pop("mentions")  # type: ignore[attr-defined]
    return counts


def conversation_messages(
    conversation: Conversation, *, after_seq: int = 0, include_notes: bool = True
) -> list[Message]:
    """The log, display-ready: each message gets ``author_label``, ``body_now`` (latest
    revision), ``revision_list``, ``files`` (attachments), ``created_iso`` and
    ``created_label``.

    Revisions are read in one query for the edited messages only, and times are formatted
    here once rather than by a template filter per message: a 200-message log renders in
    a fraction of the time.
    """
    qs = Message.objects.filter(conversation=conversation, seq__gt=after_seq)
    if not include_notes:
        qs = qs.exclude(kind="note")
    messages = list(qs.order_by("seq"))
    # A log has a handful of authors: their labels in one small query, rather than a
    # user and a profile instance joined onto every message.
    agent_labels = {
        pk: display_name or username
        for pk, username, display_name in User.objects.filter(
            pk__in={m.author_user_id for m in messages if m.author_user_id is not None}
        ).values_list("pk", "username", "agent_profile__display_name")
    }
    edited = [m.pk for m in messages if m.revision_count]
    revisions: dict[int, list[MessageRevision]] = {}
    for revision in MessageRevision.objects.filter(message_id__in=edited).order_by("number"):
        revisions.setdefault(revision.message_id, []).append(revision)
    files: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(
        conversation=conversation, message__seq__gt=after_seq
    ).order_by("pk"):
        files.setdefault(attachment.message_id or 0, []).append(attachment)
    customer_label = str(conversation.customer)
    for m in messages:
        revs = revisions.get(m.pk, [])
        m.revision_list = revs  # type: ignore[attr-defined]
        m.files = files.get(m.pk, [])  # type: ignore[attr-defined]
        m.body_now = revs[-1].body if revs else m.body  # type: ignore[attr-defined]
        m.created_iso, m.created_label = _local(  # type: ignore[attr-defined]
            m.created_at, "%Y-%m-%d %H:%M")
        for r in revs:
            r.created_label = _local(r.created_at, "%Y-%m-%d %H:%M")[1]  # type: ignore[attr-defined]
        if m.kind == "customer":
            m.author_label = customer_label  # type: ignore[attr-defined]
        else:
            m.author_label = agent_labels.get(m.author_user_id or 0, "")  # type: ignore[attr-defined]
    return messages


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


def _unread_mentions(user: User) -> QuerySet[Mention]:
    return Mention.objects.filter(mentioned=user, read_at__isnull=True)


def unread_mentions(user: User) -> int:
    """Capped like the unread counts; already known if ``unread_counts`` ran for this user."""
    known: int | None = getattr(user, "_desk_unread_mentions", None)
    if known is not None:
        return known
    return _unread_mentions(user).values("pk")[:UNREAD_CAP].count()


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
