"""Writing from the chat: every message goes through the desk's one write path.

A customer's message is an inbound delivery like any other channel's (rule 3: parse →
verify → dedupe → redact → store → route), so it runs through
:func:`kefu.desk.pipeline.receive`; an agent's reply is
:func:`kefu.desk.services.messages.message_post`. Both return after the transaction has
committed, which is what lets the consumer acknowledge: an acked message is on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from kefu.chat.frames import FrameError
from kefu.chat.selectors import ConversationRef, announced_frame, customer_for_principal
from kefu.chat.tokens import Principal
from kefu.desk.envelope import TrustedAdapter
from kefu.desk.errors import DeskError
from kefu.desk.events import conversation_group, ring
from kefu.desk.models import Attachment, Conversation, IdentityKind, Message, MessageKind
from kefu.desk.pipeline import PipelineResult, receive_many
from kefu.desk.services.attachments import (
    AttachmentError,
    attachments_check,
    customer_file_upload,
)
from kefu.desk.services.customers import customer_for_account, customer_for_verified_address
from kefu.desk.services.messages import (
    conversation_mark_read,
    customer_sender_key,
    message_announcement,
    message_post,
)


@dataclass(frozen=True)
class Posted:
    conversation: ConversationRef
    seq: int
    created: bool
    # The new message's frame, for the sender's own connection (None: read it from the log,
    # e.g. a retry, or a message with files whose links are signed per viewer).
    frame: dict[str, Any] | None = None


def _own_frame(conversation: ConversationRef, message: Message, *, created: bool,
               files: bool) -> dict[str, Any] | None:
    if not created or files:
        return None
    return announced_frame(conversation.public_id, message.seq, message.kind,
                           message_announcement(message, files=False))


def idempotency_key(principal: Principal, client_msg_id: str) -> str:
    """Scoped to the customer, and short enough to be the message's ``client_msg_id`` too."""
    digest = hashlib.sha256(f"{principal.kind}:{principal.ref}:{client_msg_id}".encode())
    return "chat:" + digest.hexdigest()[:56]


@dataclass(frozen=True)
class CustomerMessage:
    """One customer message to store: the arguments of :func:`customer_send`."""

    principal: Principal
    conversation_id: int | None
    client_msg_id: str
    body: str
    channel: str
    language: str
    display_name: str = ""
    attachment_ids: tuple[int, ...] = ()
    category: str | None = None
    new_conversation: bool = False

    def raw(self) -> dict[str, Any]:
        """The delivery the pipeline receives (TrustedAdapter: the token was checked)."""
        if self.principal.kind == "account":
            sender: dict[str, object] = {"account_ref": self.principal.ref}
        else:
            sender = {"identity_kind": "visitor", "address": self.principal.ref,
                      "identity_verified": True}
        return {
            "idempotency_key": idempotency_key(self.principal, self.client_msg_id),
            "sender": {**sender, "language": self.language, "display_name": self.display_name},
            "text": self.body,
            "conversation_id": self.conversation_id,
            "attachment_ids": list(self.attachment_ids),
            "category": self.category,
            "new_conversation": self.new_conversation,
        }


SendError = FrameError | AttachmentError


def customer_send(
    *,
    principal: Principal,
    conversation_id: int | None,
    client_msg_id: str,
    body: str,
    channel: str,
    language: str,
    display_name: str = "",
    attachment_ids: list[int] | None = None,
    category: str | None = None,
    new_conversation: bool = False,
) -> Posted:
    """Store a customer's message (once per ``client_msg_id``) and say where it landed.

    Without ``conversation_id``, or when that conversation was closed meanwhile, the
    pipeline files it in the customer's active chat conversation or opens a new one
    (always a new one with ``new_conversation``). ``attachment_ids`` are files uploaded
    first, to ``conversation_id`` or before any conversation (:func:`customer_upload`);
    they are bound to the message in its transaction, all or none.
    Raises :class:`FrameError` or :class:`AttachmentError`.
    """
    (outcome,) = customer_send_many([CustomerMessage(
        principal=principal, conversation_id=conversation_id, client_msg_id=client_msg_id,
        body=body, channel=channel, language=language, display_name=display_name,
        attachment_ids=tuple(attachment_ids or ()), category=category,
        new_conversation=new_conversation,
    )])
    if isinstance(outcome, FrameError | AttachmentError):
        raise outcome
    return outcome


def customer_send_many(messages: Sequence[CustomerMessage]) -> list[Posted | SendError]:
    """:func:`customer_send` for several messages at once, each with its own outcome.

    The chat server's connections hand their messages over together
    (:mod:`kefu.chat.writes`); the pipeline stores the replies among them in one
    transaction (:func:`kefu.desk.pipeline.receive_many`).
    """
    outcomes: list[Posted | SendError | None] = [None] * len(messages)
    by_channel: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        try:
            _check_files(message)
        except AttachmentError as exc:
            outcomes[index] = exc
            continue
        by_channel.setdefault(message.channel, []).append(index)
    for channel, indexes in by_channel.items():
        results = receive_many(TrustedAdapter(channel), [messages[i].raw() for i in indexes])
        for index, result in zip(indexes, results, strict=True):
            outcomes[index] = _posted(result, files=bool(messages[index].attachment_ids))
    done = [outcome for outcome in outcomes if outcome is not None]
    assert len(done) == len(messages)
    return done


def _check_files(message: CustomerMessage) -> None:
    """Files named by a message must be the sender's own, not yet sent, uploaded to that
    conversation or before any (a first message's files). Checked before the pipeline so
    a refused file quarantines nothing; the binding re-checks under the row lock."""
    if not message.attachment_ids:
        return
    customer = customer_for_principal(message.principal)
    if customer is None:  # has never written nor uploaded: cannot own a file
        raise AttachmentError("attachment_unknown")
    key = idempotency_key(message.principal, message.client_msg_id)
    attachments_check(conversation_id=message.conversation_id,
                      uploader_key=customer_sender_key(customer.pk),
                      ids=list(message.attachment_ids), client_msg_id=key[:64])


def customer_upload(
    *, principal: Principal, conversation: Conversation | None, name: str, data: bytes,
    language: str,
) -> tuple[Attachment, int]:
    """Store a customer's file for ``conversation`` (theirs, checked by the caller), or
    for the message that will open one. Returns the file and its owner's customer id.

    Before the first message a principal may have no desk record yet; it is created here
    exactly as the pipeline would create it, so that message finds the same record and
    with it the file. In one transaction with the file's row: a refused file leaves no
    new record behind. Raises :class:`AttachmentError`.
    """
    with transaction.atomic():
        if conversation is not None:
            customer = conversation.customer
        elif principal.kind == "account":
            customer = customer_for_account(external_ref=principal.ref, language=language)
        else:
            customer = customer_for_verified_address(
                kind=IdentityKind.VISITOR, address=principal.ref, language=language)
        attachment = customer_file_upload(customer=customer, conversation=conversation,
                                          name=name, data=data)
    return attachment, customer.pk


def _posted(result: PipelineResult, *, files: bool) -> Posted | SendError:
    if result.message is None:
        code = result.inbound.reason
        if code == "attachment_unknown":
            return AttachmentError(code)
        return FrameError(code if code == "empty_message" else "internal", code)
    message = result.message
    created = result.outcome == "accepted"
    # Just written: the message holds the locked, updated conversation (no read needed).
    conversation = ConversationRef.of(message.conversation)
    return Posted(conversation, message.seq, created,
                  _own_frame(conversation, message, created=created, files=files))


def customer_read(*, conversation_id: int, seq: int) -> int:
    """Store the customer's read state (forward only, capped at the log's end) and relay
    it to the agents following the conversation. Returns the stored value."""
    last_seq = Conversation.objects.filter(pk=conversation_id).values_list(
        "last_seq", flat=True).first() or 0
    target = min(seq, last_seq)
    Conversation.objects.filter(pk=conversation_id, customer_read_seq__lt=target).update(
        customer_read_seq=target)
    stored = Conversation.objects.filter(pk=conversation_id).values_list(
        "customer_read_seq", flat=True).first() or 0
    # A courtesy (the stored value is what counts): not waited for inside the server.
    ring([(conversation_group(conversation_id), {
        "type": "chat.read", "conversation_id": conversation_id, "sender": "",
        "role": "customer", "seq": stored,
    })])
    return stored


def _desk_error(exc: DeskError) -> FrameError:
    if exc.code == "invalid_transition":
        return FrameError("conversation_closed")
    if exc.code in ("not_found", "empty_message"):
        return FrameError(exc.code)
    return FrameError("bad_frame", exc.code)


def agent_send(
    *, user: User, conversation: ConversationRef, client_msg_id: str, body: str, note: bool
) -> Posted:
    try:
        posted = message_post(
            conversation_id=conversation.pk,
            kind=MessageKind.NOTE if note else MessageKind.AGENT,
            body=body,
            author_user=user,
            client_msg_id=client_msg_id,
        )
    except DeskError as exc:
        raise _desk_error(exc) from None
    return Posted(conversation, posted.message.seq, posted.created,
                  _own_frame(conversation, posted.message, created=posted.created, files=False))


def agent_read(*, conversation: ConversationRef, seq: int) -> None:
    """Shared read state only moves forward, and only once the agent saw the latest."""
    current = Conversation.objects.filter(pk=conversation.pk).first()
    if current is not None and seq >= current.last_seq:
        conversation_mark_read(conversation=current)
