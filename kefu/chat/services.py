"""Writing from the chat: every message goes through the desk's one write path.

A customer's message is an inbound delivery like any other channel's (rule 3: parse →
verify → dedupe → redact → store → route), so it runs through
:func:`kefu.desk.pipeline.receive`; an agent's reply is
:func:`kefu.desk.services.messages.message_post`. Both return after the transaction has
committed, which is what lets the consumer acknowledge: an acked message is on disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from kefu.chat.frames import FrameError
from kefu.chat.selectors import ConversationRef, announced_frame, customer_for_principal
from kefu.chat.tokens import Principal
from kefu.desk.envelope import TrustedAdapter
from kefu.desk.errors import DeskError
from kefu.desk.events import conversation_group, ring
from kefu.desk.models import Conversation, Message, MessageKind
from kefu.desk.pipeline import receive
from kefu.desk.services.attachments import AttachmentError, attachments_check
from kefu.desk.services.messages import (
    conversation_mark_read,
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
    to ``conversation_id`` first; they are bound to the message in its transaction.
    """
    key = idempotency_key(principal, client_msg_id)
    if attachment_ids:
        customer = customer_for_principal(principal)
        if customer is None or conversation_id is None:
            raise AttachmentError("attachment_unknown")
        attachments_check(conversation_id=conversation_id, uploader_key=f"c:{customer.pk}",
                          ids=attachment_ids, client_msg_id=key[:64])
    if principal.kind == "account":
        sender: dict[str, object] = {"account_ref": principal.ref}
    else:
        sender = {"identity_kind": "visitor", "address": principal.ref,
                  "identity_verified": True}
    raw = {
        "idempotency_key": key,
        "sender": {**sender, "language": language, "display_name": display_name},
        "text": body,
        "conversation_id": conversation_id,
        "attachment_ids": list(attachment_ids or []),
        "category": category,
        "new_conversation": new_conversation,
    }
    result = receive(TrustedAdapter(channel), raw)
    if result.message is None:
        code = result.inbound.reason
        if code == "attachment_unknown":
            raise AttachmentError(code)
        raise FrameError(code if code == "empty_message" else "internal", code)
    message = result.message
    created = result.outcome == "accepted"
    # Just written: the message holds the locked, updated conversation (no read needed).
    conversation = ConversationRef.of(message.conversation)
    return Posted(conversation, message.seq, created,
                  _own_frame(conversation, message, created=created, files=bool(attachment_ids)))


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
