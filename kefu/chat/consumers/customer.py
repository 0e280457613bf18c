"""``/ws/chat/``: a customer (platform account or visitor) and their current conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from kefu.chat import selectors, services
from kefu.chat.consumers.base import ChatConsumer, Subscription
from kefu.chat.db import db
from kefu.chat.frames import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHORIZED,
    ClientFrame,
    FrameError,
    Hello,
    Read,
    Send,
    Typing,
)
from kefu.chat.services import CustomerMessage
from kefu.chat.tokens import Principal, TokenError, mint_visitor_token, read_token
from kefu.chat.writes import writer
from kefu.desk.services.attachments import AttachmentError


def allowed_origins() -> set[str]:
    site = urlsplit(settings.KEFU_SITE_URL)
    return {o.rstrip("/").lower() for o in settings.KEFU_CHAT_ALLOWED_ORIGINS} | {
        f"{site.scheme}://{site.netloc}".lower()
    }


# Fields of a conversation.updated event that can change the customer's queue position.
QUEUE_FIELDS = frozenset({"status", "assignee_id", "team_id", "waiting_since", "priority"})


class CustomerConsumer(ChatConsumer):
    include_notes = False

    async def admit(self) -> tuple[str, int] | None:
        self.principal: Principal | None = None
        self.channel_kind = "web"
        self.last_queue: dict[str, Any] | None = None
        self.wants_queue = False
        origin = self.origin()
        # No Origin: a native app (browsers always send one, so this is no web page).
        if origin is not None and origin.rstrip("/").lower() not in allowed_origins():
            return "origin_not_allowed", CLOSE_FORBIDDEN
        return None

    @property
    def current(self) -> Subscription | None:
        return next(iter(self.subs.values()), None)

    async def handle(self, frame: ClientFrame) -> None:
        if isinstance(frame, Hello):
            await self.on_hello(frame)
            return
        if self.principal is None:
            raise FrameError("hello_required")
        if isinstance(frame, Send):
            await self.on_send(frame)
        elif isinstance(frame, Typing | Read):
            sub = self.current
            if sub is None:
                raise FrameError("not_subscribed")
            if isinstance(frame, Typing):
                await self.broadcast(sub, "chat.typing", role="customer", name="", on=frame.on)
            else:  # stored (forward only) and relayed to agents by the service
                await db(services.customer_read)(
                    conversation_id=sub.conversation.pk, seq=min(frame.seq, sub.cursor))
        else:
            raise FrameError("unknown_type", frame.type)

    async def on_hello(self, frame: Hello) -> None:
        new_token = None
        if frame.token is None:
            new_token = mint_visitor_token()
            principal = read_token(new_token)
        else:
            try:
                principal = read_token(frame.token)
            except TokenError as exc:
                await self.fail(exc.code, CLOSE_UNAUTHORIZED)
                return
        if self.principal is not None and principal != self.principal:
            await self.fail("token_mismatch", CLOSE_UNAUTHORIZED)
            return
        self.principal = principal
        self.channel_kind = frame.channel
        self.wants_queue = "queue" in frame.features
        if frame.lang:
            self.lang = frame.lang
        conversation, found = await db(selectors.customer_conversation)(
            principal, frame.conversation
        )
        if not found:  # somebody else's, or no such conversation: the same answer
            raise FrameError("not_found")
        if conversation is None:
            for pk in list(self.subs):
                await self.unsubscribe(pk)
            welcome: dict[str, Any] = {"type": "welcome", "conversation": None, "last_seq": 0,
                                       "status": None}
            if new_token:
                welcome["token"] = new_token
            await self.send_frame(welcome)
            return
        if new_token:  # cannot happen (a new visitor has no conversation); kept explicit
            raise FrameError("internal")
        await self._follow(conversation, frame.last_seq)

    async def _follow(self, conversation: selectors.ConversationRef, last_seq: int) -> None:
        for pk in list(self.subs):
            if pk != conversation.pk:
                await self.unsubscribe(pk)
        await self.subscribe(conversation, last_seq)

    async def on_send(self, frame: Send) -> None:
        assert self.principal is not None
        if not frame.body.strip():
            raise FrameError("empty_message")
        sub = self.current
        try:
            posted = await writer().send(CustomerMessage(
                principal=self.principal,
                conversation_id=sub.conversation.pk if sub else None,
                client_msg_id=frame.client_msg_id,
                body=frame.body,
                channel=self.channel_kind,
                language=self.lang,
                attachment_ids=tuple(frame.attachments),
            ))
        except AttachmentError as exc:
            raise FrameError("attachment_unknown", exc.code) from None
        if sub is None or sub.conversation.pk != posted.conversation.pk:
            # A first message opened a conversation (or the old one was closed): the ack
            # names it, then the welcome and the replay from seq 1 follow.
            await self.send_frame({"type": "ack", "conversation": posted.conversation.public_id,
                                   "client_msg_id": frame.client_msg_id, "seq": posted.seq})
            await self._follow(posted.conversation, 0)
            return
        await self.send_frame({"type": "ack", "conversation": sub.public_id,
                               "client_msg_id": frame.client_msg_id, "seq": posted.seq})
        await self.show_own_write(sub, posted.frame)  # no waiting for the doorbell

    def wants(self, event: dict[str, Any]) -> bool:
        return bool(event.get("role") != "customer")

    def viewer_customer_id(self, sub: Subscription) -> int | None:
        return sub.conversation.customer_id

    # --- queue position: on welcome, on the conversation's desk events, on each heartbeat.
    async def subscribe(self, conversation: selectors.ConversationRef, last_seq: int) -> None:
        self.last_queue = None
        await super().subscribe(conversation, last_seq)
        await self.push_queue()

    async def push_queue(self) -> None:
        """Send a ``queue`` frame when the position or the estimate changed."""
        sub = self.current
        if sub is None or not self.wants_queue:
            return
        info = await db(selectors.queue_info)(sub.conversation.pk)
        frame: dict[str, Any] = {
            "type": "queue", "conversation": sub.public_id,
            "position": info.position if info else None,
            "wait_minutes": info.wait_minutes if info else None,
        }
        if frame != self.last_queue:
            self.last_queue = frame
            await self.send_frame(frame)

    async def on_conversation_event(self, sub: Subscription, event: dict[str, Any]) -> None:
        # Every message touches the conversation; only these changes can move the queue.
        if event.get("event") != "conversation.updated" or QUEUE_FIELDS.intersection(
                event.get("fields", ())):
            await self.push_queue()

    async def on_tick(self) -> None:
        await self.push_queue()

    async def on_status(self, sub: Subscription, event: dict[str, Any]) -> None:
        # Only what a customer may know: the status, not labels, assignee or SLA fields.
        if event.get("event") == "conversation.updated" and "status" in event.get("fields", ()):
            await self.send_frame({"type": "status", "conversation": sub.public_id,
                                   "status": event.get("status")})
