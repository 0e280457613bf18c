"""Reading for the chat: who a token speaks for, which conversation, the log after a seq.

Everything here is synchronous ORM code; consumers call it through
``database_sync_to_async``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects

from kefu.chat.files import attachment_info
from kefu.chat.tokens import Principal
from kefu.desk.models import (
    AgentProfile,
    Attachment,
    Channel,
    Conversation,
    CustomerIdentity,
    DeskCustomer,
    IdentityKind,
    Message,
    MessageKind,
    Status,
)
from kefu.desk.selectors import message_author, visible_conversations
from kefu.desk.services.queue import queue_status

REPLAY_BATCH = 200
CHAT_CHANNELS = (Channel.WEB, Channel.APP)


@dataclass(frozen=True)
class ConversationRef:
    """What a connection keeps about a conversation it follows."""

    pk: int
    public_id: str
    last_seq: int
    status: str
    customer_id: int = 0

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationRef:
        return cls(conversation.pk, str(conversation.public_id), conversation.last_seq,
                   conversation.status, conversation.customer_id)


def customer_for_principal(principal: Principal) -> DeskCustomer | None:
    """The desk's record, if this principal has written before (nothing is created here)."""
    if principal.kind == "account":
        return DeskCustomer.objects.filter(external_ref=principal.ref).first()
    identity = (
        CustomerIdentity.objects.filter(
            kind=IdentityKind.VISITOR, address=principal.ref, verified_at__isnull=False
        )
        .select_related("customer")
        .first()
    )
    return identity.customer if identity else None


def customer_conversation(
    principal: Principal, public_id: UUID | None
) -> tuple[ConversationRef | None, bool]:
    """(conversation, found). With an id: that conversation if it is the customer's own.

    Without: the customer's latest chat conversation that is not closed, if any.
    """
    customer = customer_for_principal(principal)
    if customer is None:
        return None, public_id is None
    qs = Conversation.objects.filter(customer=customer)
    if public_id is not None:
        conversation = qs.filter(public_id=public_id).first()
        return (ConversationRef.of(conversation), True) if conversation else (None, False)
    conversation = (
        qs.filter(channel__in=CHAT_CHANNELS).exclude(status=Status.CLOSED)
        .order_by("-created_at", "-pk").first()
    )
    return (ConversationRef.of(conversation) if conversation else None), True


def agent_profile(user: User | Any) -> AgentProfile | None:
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    return AgentProfile.objects.select_related("user").filter(user=user).first()


def agent_conversation(profile: AgentProfile, public_id: UUID) -> ConversationRef | None:
    conversation = visible_conversations(profile).filter(public_id=public_id).first()
    return ConversationRef.of(conversation) if conversation else None


def _frame(public_id: str, seq: int, kind: str, author: tuple[str, str], body: str,
           created_at: str, revision: int, attachments: list[dict[str, Any]]
           ) -> dict[str, Any]:
    return {"type": "message", "conversation": public_id, "seq": seq, "kind": kind,
            "author": {"role": author[0], "name": author[1]}, "body": body,
            "created_at": created_at, "revision": revision, "attachments": attachments}


def message_frame(
    message: Message, public_id: str, customer_id: int | None
) -> dict[str, Any]:
    """The ``message`` frame of one message (from :func:`_rows`: edits and files prefetched)."""
    revisions = list(message.revisions.all()) if message.revision_count else []
    return _frame(
        public_id, message.seq, message.kind, message_author(message),
        max(revisions, key=lambda r: r.number).body if revisions else message.body,
        message.created_at.isoformat(), len(revisions),
        [attachment_info(a, customer_id=customer_id)
         for a in sorted(message.attachments.all(), key=lambda a: a.pk)]
        if message.has_files else [],  # type: ignore[attr-defined]
    )


def announced_frame(public_id: str, seq: int, kind: str,
                    announcement: dict[str, Any]) -> dict[str, Any]:
    """The ``message`` frame of a new message from what its write announced
    (:func:`kefu.desk.services.messages.message_announcement`): the same frame
    :func:`message_frame` builds from the log, for a message without files or edits."""
    author = announcement["author"]
    return _frame(public_id, seq, kind, (str(author["role"]), str(author["name"])),
                  str(announcement["body"]), str(announcement["created_at"]), 0, [])


def _log(
    conversation_id: int, *, include_notes: bool, visible_to: AgentProfile | None
) -> QuerySet[Message]:
    qs: QuerySet[Message] = Message.objects.filter(conversation_id=conversation_id)
    if not include_notes:
        qs = qs.exclude(kind=MessageKind.NOTE)
    if visible_to is not None:
        qs = qs.filter(conversation__in=visible_conversations(visible_to).filter(
            pk=conversation_id))
    return qs.select_related("author_user__agent_profile", "author_customer").annotate(
        has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))


def _rows(qs: QuerySet[Message]) -> list[Message]:
    """The messages of ``qs`` with their revisions and attachments, fetched only where
    there are any (most messages have neither: one query instead of three)."""
    rows = list(qs)
    prefetch_related_objects([m for m in rows if m.revision_count], "revisions")
    prefetch_related_objects([m for m in rows if m.has_files], "attachments")  # type: ignore[attr-defined]
    return rows


def messages_after(
    *,
    conversation_id: int,
    public_id: str,
    after_seq: int,
    include_notes: bool,
    visible_to: AgentProfile | None = None,
    limit: int = REPLAY_BATCH,
    customer_id: int | None = None,
) -> list[dict[str, Any]]:
    """``message`` frames for seq > ``after_seq``, in order, at most ``limit``.

    Customers never see private notes. For an agent, ``visible_to`` re-checks access on
    every read, so a conversation moved to another team stops streaming. ``customer_id``
    (the customer's own connection) makes attachment URLs signed for that customer.
    """
    rows = _rows(_log(conversation_id, include_notes=include_notes, visible_to=visible_to)
                 .filter(seq__gt=after_seq).order_by("seq")[:limit])
    return [message_frame(m, public_id, customer_id) for m in rows]


LOG_ENDS_CHUNK = 500  # ids per query, well under SQLite's bound-parameter limit


def log_ends(conversation_ids: list[int]) -> dict[int, int]:
    """The last ``seq`` of each conversation's log (``last_seq``, updated with the message)."""
    ends: dict[int, int] = {}
    for start in range(0, len(conversation_ids), LOG_ENDS_CHUNK):
        chunk = conversation_ids[start:start + LOG_ENDS_CHUNK]
        ends.update(Conversation.objects.filter(pk__in=chunk).values_list("pk", "last_seq"))
    return ends


def messages_before(
    *, conversation_id: int, public_id: str, before_seq: int | None, limit: int,
    customer_id: int,
) -> list[dict[str, Any]]:
    """The newest ``limit`` customer-visible frames before ``before_seq``, oldest first."""
    qs = _log(conversation_id, include_notes=False, visible_to=None)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    rows = _rows(qs.order_by("-seq")[:limit])
    return [message_frame(m, public_id, customer_id) for m in reversed(rows)]


def edited_frame(
    *, conversation_id: int, public_id: str, seq: int, include_notes: bool,
    visible_to: AgentProfile | None, customer_id: int | None,
) -> dict[str, Any] | None:
    """The ``edited`` frame for message ``seq``: its current text and revision number."""
    found = _rows(_log(conversation_id, include_notes=include_notes,
                       visible_to=visible_to).filter(seq=seq))
    if not found:
        return None
    message = found[0]
    frame = message_frame(message, public_id, customer_id)
    return {"type": "edited", "conversation": public_id, "seq": seq, "body": frame["body"],
            "revision": frame["revision"]}


@dataclass(frozen=True)
class QueueInfo:
    position: int
    wait_minutes: int


def queue_info(conversation_id: int) -> QueueInfo | None:
    """Where a waiting customer stands; None when not waiting for an agent."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    status = queue_status(conversation=conversation)
    if status.position == 0:
        return None
    return QueueInfo(status.position, math.ceil(status.estimated_wait_seconds / 60))
