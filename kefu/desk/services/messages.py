"""Appending to a conversation's log, and editing by revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from kefu.desk import events
from kefu.desk.errors import DeskError
from kefu.desk.locks import lock_conversation
from kefu.desk.models import (
    MAX_MESSAGE_CHARS,
    Attachment,
    Conversation,
    DeskCustomer,
    Message,
    MessageKind,
    MessageRevision,
    Status,
)
from kefu.desk.selectors import message_author
from kefu.desk.services import sla
from kefu.desk.services.common import record_event, touch

MAX_FILES_PER_MESSAGE = 10
# What every new message changes on its conversation: announced by its own
# ``message.created`` doorbell, so alone they ring no ``conversation.updated``.
LOG_FIELDS = frozenset({"last_seq", "last_customer_seq", "agent_read_seq",
                        "next_response_due", "next_sla_due"})


@dataclass(frozen=True)
class PostResult:
    message: Message
    created: bool  # False: the same client_msg_id was already stored


def clean_body(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise DeskError("empty_message")
    if len(body) > MAX_MESSAGE_CHARS:
        raise DeskError("message_too_long", f"{len(body)} > {MAX_MESSAGE_CHARS}")
    return body


def sender_key(kind: str, user: User | None, customer: DeskCustomer | None) -> str:
    if kind == MessageKind.CUSTOMER:
        if customer is None:
            raise ValueError("a customer message needs author_customer")
        return f"c:{customer.pk}"
    if kind in (MessageKind.AGENT, MessageKind.NOTE):
        if user is None:
            raise ValueError("an agent message or note needs author_user")
        return f"u:{user.pk}"
    if kind == MessageKind.SYSTEM:
        return "system"
    raise ValueError(f"unknown message kind {kind!r}")


def stored_retry(*, conversation_id: int, sender_key: str, client_msg_id: str) -> Message | None:
    """The message this sender already stored under ``client_msg_id`` (a retry), if any."""
    client_msg_id = client_msg_id.strip()[:64]
    if not client_msg_id:
        return None
    return Message.objects.filter(
        conversation_id=conversation_id, sender_key=sender_key, client_msg_id=client_msg_id
    ).first()


def _after_customer_message(conversation: Conversation, message: Message) -> dict[str, Any]:
    now = message.created_at
    changes: dict[str, Any] = {"last_customer_seq": message.seq}
    if conversation.status in (Status.WAITING, Status.SNOOZED, Status.RESOLVED):
        old = conversation.status
        if old == Status.RESOLVED:
            for f in sla.sla_on_reopen(conversation):
                changes[f] = getattr(conversation, f)
        conversation.status = Status.OPEN
        changes.update(status=Status.OPEN, snoozed_until=None)
        record_event(conversation, actor=None, field="status", old=old, new=Status.OPEN,
                     note="customer wrote")
    if conversation.assignee_id is None and conversation.waiting_since is None:
        changes["waiting_since"] = now
    for f in sla.sla_on_customer_message(conversation, now=now) + sla.refresh_next_due(
        conversation
    ):
        changes[f] = getattr(conversation, f)
    return changes


def _after_agent_reply(
    conversation: Conversation, message: Message, user: User
) -> dict[str, Any]:
    changes: dict[str, Any] = {"agent_read_seq": message.seq, "waiting_since": None}
    if conversation.assignee_id is None:
        # Answering an unassigned conversation takes it.
        changes["assignee_id"] = user.pk
        record_event(conversation, actor=user, field="assignee", new=user.get_username(),
                     note="took by replying")
    if conversation.status == Status.OPEN:
        conversation.status = Status.WAITING
        changes["status"] = Status.WAITING
        record_event(conversation, actor=user, field="status", old=Status.OPEN,
                     new=Status.WAITING, note="replied")
    for f in sla.sla_on_agent_reply(conversation, now=message.created_at):
        changes[f] = getattr(conversation, f)
    return changes


def attachments_bind(*, message: Message, ids: Sequence[int]) -> int:
    """Give the sender's unbound files of this conversation to ``message`` (same transaction).

    Raises ``DeskError("attachment_unknown")`` when any id is not such a file, so the
    message is not stored without them.
    """
    wanted = set(ids)
    if not wanted:
        return 0
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise DeskError("attachment_unknown", "too many")
    with transaction.atomic():
        bound = Attachment.objects.filter(
            pk__in=wanted, conversation_id=message.conversation_id,
            uploader_key=message.sender_key, message__isnull=True,
        ).update(message=message)
        if bound != len(wanted):
            raise DeskError("attachment_unknown", f"{bound} of {len(wanted)}")
    return bound


def message_announcement(message: Message, *, files: bool) -> dict[str, Any]:
    """What the ``message.created`` doorbell carries about a new message, as stored.

    A listener that needs exactly this message next may show it from here instead of
    reading the log (kefu.chat); one with a gap, or a message with files (whose links
    are signed per viewer), reads the log as always.
    """
    role, name = message_author(message)
    return {"author": {"role": role, "name": name}, "body": message.body,
            "created_at": message.created_at.isoformat(), "files": files}


@transaction.atomic
def message_post(
    *,
    conversation_id: int,
    kind: str,
    body: str,
    author_user: User | None = None,
    author_customer: DeskCustomer | None = None,
    client_msg_id: str = "",
    attachment_ids: Sequence[int] = (),
) -> PostResult:
    """Append one message with the next sequence number, with its files if any.

    Idempotent on (sender, ``client_msg_id``): a retry returns the stored message (and
    binds nothing). The conversation row lock makes sequence numbers gap-free and
    ordered by commit, so two agents replying at once both land, one after the other.
    ``attachment_ids``: the sender's files uploaded to this conversation, bound in the
    same transaction (all of them, or nothing is stored).
    """
    body = clean_body(body)
    key = sender_key(kind, author_user, author_customer)
    client_msg_id = client_msg_id.strip()[:64]
    conversation = lock_conversation(conversation_id)
    if kind == MessageKind.CUSTOMER and (
        author_customer is None or author_customer.pk != conversation.customer_id
    ):
        raise DeskError("not_found")
    existing = stored_retry(conversation_id=conversation.pk, sender_key=key,
                            client_msg_id=client_msg_id)
    if existing is not None:
        return PostResult(existing, created=False)
    if conversation.status == Status.CLOSED and kind != MessageKind.NOTE:
        raise DeskError("invalid_transition", "conversation is closed")
    # The row is locked until commit, so the next number is ours; it is saved with the
    # other changes below (the unique (conversation, seq) constraint backs this up).
    seq = conversation.last_seq + 1
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        kind=kind,
        author_user=author_user if kind != MessageKind.CUSTOMER else None,
        author_customer=author_customer if kind == MessageKind.CUSTOMER else None,
        sender_key=key,
        client_msg_id=client_msg_id,
        body=body,
    )
    attachments_bind(message=message, ids=attachment_ids)
    changes: dict[str, Any] = {"last_seq": seq}
    if kind == MessageKind.CUSTOMER:
        changes.update(_after_customer_message(conversation, message))
    elif kind == MessageKind.AGENT:
        assert author_user is not None
        changes.update(_after_agent_reply(conversation, message, author_user))
    touch(conversation, covered=LOG_FIELDS, **changes)
    events.publish(conversation.pk, {
        "event": "message.created", "seq": message.seq, "kind": kind,
        "message": message_announcement(message, files=bool(attachment_ids)),
    })
    return PostResult(message, created=True)


@transaction.atomic
def message_edit(*, message_id: int, editor: User, body: str) -> MessageRevision:
    """Record a new text for one's own reply or note; the original stays for the record."""
    body = clean_body(body)
    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    if conversation_id is None:
        raise DeskError("not_found")
    conversation = lock_conversation(conversation_id)
    message = Message.objects.get(pk=message_id)
    if message.kind not in (MessageKind.AGENT, MessageKind.NOTE) or (
        message.author_user_id != editor.pk
    ):
        raise DeskError("not_editable")
    number = message.revision_count + 1
    revision = MessageRevision.objects.create(
        message=message, number=number, body=body, editor=editor
    )
    Message.objects.filter(pk=message.pk).update(revision_count=F("revision_count") + 1)
    record_event(
        conversation, actor=editor, field="message_edited", new=f"#{message.seq} r{number}"
    )
    events.publish(conversation.pk, {"event": "message.edited", "seq": message.seq})
    return revision


def conversation_mark_read(*, conversation: Conversation) -> None:
    """Shared read state: an agent with access saw everything up to ``last_seq``.

    A conditional UPDATE without a lock: it only ever moves forward.
    """
    if conversation.agent_read_seq < conversation.last_seq:
        Conversation.objects.filter(
            pk=conversation.pk, agent_read_seq__lt=conversation.last_seq
        ).update(agent_read_seq=conversation.last_seq)
        conversation.agent_read_seq = conversation.last_seq
