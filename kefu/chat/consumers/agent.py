"""``/ws/desk/``: the agent console's event stream, for the conversations an agent may see."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.http.request import validate_host

from kefu.chat import selectors, services
from kefu.chat.consumers.base import ChatConsumer, Subscription
from kefu.chat.frames import (
    CLOSE_FORBIDDEN,
    ClientFrame,
    FrameError,
    Hello,
    Read,
    Send,
    Subscribe,
    Typing,
    Unsubscribe,
)
from kefu.desk.models import AgentProfile
from kefu.desk.otp import session as otp_session

MAX_SUBSCRIPTIONS = 200


def _admitted_profile(user: Any, session: Any) -> AgentProfile | None:
    """The same gate as the console's ``agent_required``: an active agent past TOTP."""
    profile = selectors.agent_profile(user)
    if profile is None or session is None:
        return None
    request = HttpRequest()
    request.session = session
    return profile if otp_session.is_verified(request, profile.user) else None


class AgentConsumer(ChatConsumer):
    include_notes = True

    async def admit(self) -> tuple[str, int] | None:
        self.profile: AgentProfile | None = None
        # The session cookie rides along with any page's request: only our own pages may
        # open this socket (cross-site WebSocket hijacking).
        origin = self.origin()
        host = urlsplit(origin).hostname if origin else None
        if not host or not validate_host(host, settings.ALLOWED_HOSTS):
            return "origin_not_allowed", CLOSE_FORBIDDEN
        self.profile = await database_sync_to_async(_admitted_profile)(
            self.scope.get("user"), self.scope.get("session")
        )
        if self.profile is None:
            return "forbidden", CLOSE_FORBIDDEN
        return None

    def visibility_profile(self) -> AgentProfile | None:
        return self.profile

    @property
    def user(self) -> User:
        assert self.profile is not None
        return self.profile.user

    def _sub(self, conversation: Any) -> Subscription:
        for sub in self.subs.values():
            if sub.public_id == str(conversation):
                return sub
        raise FrameError("not_subscribed", str(conversation))

    async def _visible(self, conversation: Any) -> selectors.ConversationRef:
        assert self.profile is not None
        ref: selectors.ConversationRef | None = await database_sync_to_async(
            selectors.agent_conversation
        )(self.profile, conversation)
        if ref is None:
            raise FrameError("not_found", str(conversation))
        return ref

    async def handle(self, frame: ClientFrame) -> None:
        assert self.profile is not None
        if isinstance(frame, Hello):  # optional for agents: the session already says who
            if frame.lang:
                self.lang = frame.lang
            await self.send_frame({"type": "welcome", "agent": self.profile.display_name,
                                   "conversation": None, "last_seq": 0, "status": None})
        elif isinstance(frame, Subscribe):
            if len(self.subs) >= MAX_SUBSCRIPTIONS and not any(
                s.public_id == str(frame.conversation) for s in self.subs.values()
            ):
                raise FrameError("too_many_subscriptions")
            await self.subscribe(await self._visible(frame.conversation), frame.last_seq)
        elif isinstance(frame, Unsubscribe):
            await self.unsubscribe(self._sub(frame.conversation).conversation.pk)
        elif isinstance(frame, Send):
            await self.on_send(frame)
        elif isinstance(frame, Typing):
            sub = self._sub(frame.conversation)
            await self.broadcast(sub, "chat.typing", role="agent",
                                 name=self.profile.display_name, on=frame.on)
        elif isinstance(frame, Read):
            sub = self._sub(frame.conversation)
            seq = min(frame.seq, sub.cursor)
            await database_sync_to_async(services.agent_read)(conversation=sub.conversation,
                                                              seq=seq)
            await self.broadcast(sub, "chat.read", role="agent", seq=seq)

    async def on_send(self, frame: Send) -> None:
        if frame.conversation is None:
            raise FrameError("bad_frame", "conversation")
        if not frame.body.strip():
            raise FrameError("empty_message")
        ref = await self._visible(frame.conversation)  # access is checked on every write
        posted = await database_sync_to_async(services.agent_send)(
            user=self.user, conversation=ref, client_msg_id=frame.client_msg_id,
            body=frame.body, note=frame.note,
        )
        await self.send_frame({"type": "ack", "conversation": ref.public_id,
                               "client_msg_id": frame.client_msg_id, "seq": posted.seq})
        sub = self.subs.get(ref.pk)
        if sub is not None:
            await self.catch_up(sub)

    def wants(self, event: dict[str, Any]) -> bool:
        # Customers never see notes, so an agent typing is fine to show to other agents too.
        return True

    async def on_status(self, sub: Subscription, event: dict[str, Any]) -> None:
        await self.send_frame({
            "type": "status", "conversation": sub.public_id, "event": event.get("event"),
            "fields": list(event.get("fields", [])), "status": event.get("status"),
        })
