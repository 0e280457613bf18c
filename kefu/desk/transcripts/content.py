"""What a transcript contains, gathered once and fingerprinted.

Private notes never appear. Times are kept in UTC here and shown in the customer's time
zone by the renderer. ``fingerprint`` is the SHA-256 of a canonical JSON form of the
content (not of the PDF bytes, which carry the generation time): anyone holding the
database can recompute it and show that a printed transcript was not altered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kefu.desk.models import AgentProfile, Conversation, Message, MessageKind


@dataclass(frozen=True)
class AttachmentEntry:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RevisionEntry:
    number: int
    at: datetime
    body: str


@dataclass(frozen=True)
class MessageEntry:
    seq: int
    kind: str  # customer, agent or system (never note)
    author: str  # agent display name, customer display name, or "" (renderer labels it)
    at: datetime
    body: str  # the text as first written
    revisions: list[RevisionEntry] = field(default_factory=list)
    attachments: list[AttachmentEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Transcript:
    conversation_id: int
    public_id: str
    channel: str
    category: str
    status: str
    subject: str
    created_at: datetime
    language: str  # the customer's: labels are in it
    time_zone: str  # the customer's: times are shown in it
    customer_name: str
    messages: list[MessageEntry]

    def canonical(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("language")
        data.pop("time_zone")
        return data

    @property
    def fingerprint(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, default=_iso)
        return hashlib.sha256(blob.encode()).hexdigest()


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def message_attachments(message: Message) -> list[AttachmentEntry]:
    """Attachments of one message (name, size in bytes, SHA-256 of the stored bytes).

    Uses the ``attachments`` prefetch of :func:`transcript_for`.
    """
    return [
        AttachmentEntry(name=a.name, size=a.size, sha256=a.sha256)
        for a in sorted(message.attachments.all(), key=lambda a: a.pk)
    ]


def transcript_for(conversation_id: int) -> Transcript:
    """The transcript of a conversation. The caller has already checked access."""
    conversation = Conversation.objects.select_related("customer").get(pk=conversation_id)
    messages = list(
        Message.objects.filter(conversation=conversation)
        .exclude(kind=MessageKind.NOTE)
        .select_related("author_customer")
        .prefetch_related("revisions", "attachments")
        .order_by("seq")
    )
    agent_names = dict(
        AgentProfile.objects.filter(
            user_id__in={m.author_user_id for m in messages if m.author_user_id}
        ).values_list("user_id", "display_name")
    )
    entries = []
    for message in messages:
        if message.kind == MessageKind.AGENT:
            author = agent_names.get(message.author_user_id, "") if message.author_user_id else ""
        elif message.kind == MessageKind.CUSTOMER and message.author_customer is not None:
            author = message.author_customer.display_name
        else:
            author = ""
        entries.append(
            MessageEntry(
                seq=message.seq,
                kind=message.kind,
                author=author,
                at=message.created_at,
                body=message.body,
                revisions=[
                    RevisionEntry(number=r.number, at=r.created_at, body=r.body)
                    for r in sorted(message.revisions.all(), key=lambda r: r.number)
                ],
                attachments=message_attachments(message),
            )
        )
    customer = conversation.customer
    return Transcript(
        conversation_id=conversation.pk,
        public_id=str(conversation.public_id),
        channel=conversation.channel,
        category=conversation.category,
        status=conversation.status,
        subject=conversation.subject,
        created_at=conversation.created_at,
        language=customer.language,
        time_zone=customer.time_zone,
        customer_name=customer.display_name,
        messages=entries,
    )
