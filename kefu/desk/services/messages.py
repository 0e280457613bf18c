"""Appending to a conversation's log, and editing by revision."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q

from kefu.core.bulk import insert_rows, select_in
from kefu.desk import events
from kefu.desk.errors import DeskError
from kefu.desk.locks import lock_conversation, lock_conversations
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
from kefu.desk.services.common import record_event, touch_many

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


def customer_sender_key(customer_id: int) -> str:
    """A customer's ``Message.sender_key``, which is also the ``uploader_key`` of their files."""
    return f"c:{customer_id}"


def sender_key(kind: str, user: User | None, customer: DeskCustomer | None) -> str:
    if kind == MessageKind.CUSTOMER:
        if customer is None:
            raise ValueError("a customer message needs author_customer")
        return customer_sender_key(customer.pk)
    if kind in (MessageKind.AGENT, MessageKind.NOTE):
        if user is None:
            raise ValueError("an agent message or note needs author_user")
        return f"u:{user.pk}"
    if kind == MessageKind.SYSTEM:
        return "system"
    raise ValueError(f"unknown message kind {kind!r}")


RetryKey = tuple[int, str, str]  # (conversation id, sender key, client_msg_id)


def stored_retries(keys: Collection[RetryKey]) -> dict[RetryKey, Message]:
    """The messages already stored under these (conversation, sender, client id) keys."""
    wanted = {key for key in keys if key[2]}
    if not wanted:
        return {}
    rows = select_in(Message, {  # index desk_message_retry
        "conversation": {key[0] for key in wanted},
        "client_msg_id": {key[2] for key in wanted},
    })
    found = {(m.conversation_id, m.sender_key, m.client_msg_id): m for m in rows}
    return {key: message for key, message in found.items() if key in wanted}


def stored_retry(*, conversation_id: int, sender_key: str, client_msg_id: str) -> Message | None:
    """The message this sender already stored under ``client_msg_id`` (a retry), if any."""
    key = (conversation_id, sender_key, client_msg_id.strip()[:64])
    return stored_retries([key]).get(key)


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
    """Give the sender's unbound files to ``message`` (same transaction): files uploaded to
    this conversation, or before there was one (a first message's), which join it now.

    Raises ``DeskError("attachment_unknown")`` when any id is not such a file, so the
    message is not stored without them. The UPDATE's condition is re-checked on the
    locked rows, so of two messages naming one file at once, only one gets it.
    """
    wanted = set(ids)
    if not wanted:
        return 0
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise DeskError("attachment_unknown", "too many")
    with transaction.atomic():
        bound = Attachment.objects.filter(
            Q(conversation_id=message.conversation_id) | Q(conversation__isnull=True),
            pk__in=wanted, uploader_key=message.sender_key, message__isnull=True,
        ).update(message=message, conversation_id=message.conversation_id)
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


@dataclass(frozen=True)
class NewMessage:
    """One message to append: the arguments of :func:`message_post`."""

    conversation_id: int
    kind: str
    body: str
    author_user: User | None = None
    author_customer: DeskCustomer | None = None
    client_msg_id: str = ""
    attachment_ids: Sequence[int] = ()


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
    ``attachment_ids``: the sender's files uploaded to this conversation (or before there
    was one, for the message that opens it), bound in the same transaction (all of them,
    or nothing is stored). Raises :class:`DeskError`.
    """
    (outcome,) = messages_post([NewMessage(
        conversation_id=conversation_id, kind=kind, body=body, author_user=author_user,
        author_customer=author_customer, client_msg_id=client_msg_id,
        attachment_ids=attachment_ids,
    )])
    if isinstance(outcome, DeskError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class _Accepted:
    index: int
    post: NewMessage
    body: str
    sender_key: str
    client_msg_id: str


def _checked(index: int, post: NewMessage) -> _Accepted | DeskError:
    try:
        body = clean_body(post.body)
    except DeskError as exc:
        return exc
    return _Accepted(index, post, body,
                     sender_key(post.kind, post.author_user, post.author_customer),
                     post.client_msg_id.strip()[:64])


@transaction.atomic(savepoint=False)  # nothing inside raises for a post: no savepoint needed
def messages_post(posts: Sequence[NewMessage]) -> list[PostResult | DeskError]:
    """Append several messages at once; the write path of :func:`message_post`.

    Each post gets its own outcome, in order: a :class:`PostResult`, or the
    :class:`DeskError` that kept it out (``not_found``, ``invalid_transition``,
    ``empty_message``, ``attachment_unknown`` …) without stopping the others. The work is
    set-based, so a chat server writing a burst pays per batch, not per message: one
    query locks every conversation (by primary key, the fixed lock order), one finds
    retries, one INSERT stores the messages without files and one UPDATE the
    conversations. A post with files is stored on its own savepoint, so a missing file
    takes back that message only. A database error (a unique key raced by another
    process) rolls back the whole call.
    """
    outcomes: list[PostResult | DeskError | None] = [None] * len(posts)
    accepted: list[_Accepted] = []
    for index, post in enumerate(posts):
        checked = _checked(index, post)
        if isinstance(checked, DeskError):
            outcomes[index] = checked
        else:
            accepted.append(checked)
    conversations = lock_conversations(a.post.conversation_id for a in accepted)
    retries = stored_retries(
        [(a.post.conversation_id, a.sender_key, a.client_msg_id) for a in accepted])
    plain: list[Message] = []
    created: list[tuple[int, Message]] = []
    for item in accepted:
        post = item.post
        conversation = conversations.get(post.conversation_id)
        if conversation is None or (post.kind == MessageKind.CUSTOMER and (
            post.author_customer is None or post.author_customer.pk != conversation.customer_id
        )):
            outcomes[item.index] = DeskError("not_found")
            continue
        retry_key = (conversation.pk, item.sender_key, item.client_msg_id)
        if (existing := retries.get(retry_key)) is not None:
            outcomes[item.index] = PostResult(existing, created=False)
            continue
        if conversation.status == Status.CLOSED and post.kind != MessageKind.NOTE:
            outcomes[item.index] = DeskError("invalid_transition", "conversation is closed")
            continue
        # The row is locked until commit, so the next number is ours; it is saved with the
        # other changes below (the unique (conversation, seq) constraint backs this up).
        message = Message(
            conversation=conversation,
            seq=conversation.last_seq + 1,
            kind=post.kind,
            author_user=post.author_user if post.kind != MessageKind.CUSTOMER else None,
            author_customer=post.author_customer if post.kind == MessageKind.CUSTOMER else None,
            sender_key=item.sender_key,
            client_msg_id=item.client_msg_id,
            body=item.body,
        )
        if post.attachment_ids:
            try:
                with transaction.atomic():
                    message.save()
                    attachments_bind(message=message, ids=post.attachment_ids)
            except DeskError as exc:
                outcomes[item.index] = exc
                continue
        else:
            plain.append(message)
        conversation.last_seq = message.seq
        if item.client_msg_id:  # the same client id twice in one call: stored once
            retries[retry_key] = message
        created.append((item.index, message))
    insert_rows(plain)
    changes: dict[Conversation, dict[str, Any]] = {}
    for index, message in created:
        conversation = message.conversation
        changed = changes.setdefault(conversation, {})
        step: dict[str, Any] = {"last_seq": message.seq}
        if message.kind == MessageKind.CUSTOMER:
            step.update(_after_customer_message(conversation, message))
        elif message.kind == MessageKind.AGENT:
            assert message.author_user is not None
            step.update(_after_agent_reply(conversation, message, message.author_user))
        for name, value in step.items():  # the next message of this call sees them
            setattr(conversation, name, value)
        changed.update(step)
        outcomes[index] = PostResult(message, created=True)
    touch_many(changes, covered=LOG_FIELDS)
    events.publish_many([
        (message.conversation_id, {
            "event": "message.created", "seq": message.seq, "kind": message.kind,
            "message": message_announcement(message, files=bool(posts[index].attachment_ids)),
        })
        for index, message in created
    ])
    done = [outcome for outcome in outcomes if outcome is not None]
    assert len(done) == len(posts)
    return done


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
