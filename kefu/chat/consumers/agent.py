"""``/ws/desk/``: the agent console's event stream, for the conversations an agent may see.

Besides following conversations (``subscribe``), an agent may ``watch`` the inbox: every
desk doorbell (``desk.inbox`` group) becomes an ``inbox`` frame, but only for a
conversation this agent may see, by the console's rule (``may_see``). The conversation's
row is read once per doorbell per process and shared by every watching connection; each
checks it against its agent's role and teams, which are re-read on every heartbeat.
Agents' typing while writing a private note goes to the other agents
following the conversation only, never to the customer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.http.request import validate_host
from django.utils import translation
from pydantic import BaseModel, ConfigDict, ValidationError

from kefu.chat import selectors, services
from kefu.chat.consumers.base import ChatConsumer, Subscription
from kefu.chat.db import db
from kefu.chat.frames import (
    CLOSE_FLOOD,
    CLOSE_FORBIDDEN,
    ClientFrame,
    FrameError,
    Hello,
    Read,
    Send,
    Subscribe,
    Unsubscribe,
)
from kefu.core.loops import loop_local
from kefu.desk.events import INBOX_GROUP
from kefu.desk.models import AgentProfile, Conversation
from kefu.desk.otp import session as otp_session
from kefu.desk.selectors import may_see, team_ids_of, visible_conversations

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 200
# A followed conversation's doorbell reaches a watching connection twice (``conv.<id>``
# and ``desk.inbox``); the second copy, arriving right after, is dropped.
REPEAT_WINDOW_SECONDS = 2.0
MAX_ANNOUNCED = 5000
# How long a doorbell's inbox row is shared by the process's watching connections.
SHARED_ROW_SECONDS = 5.0
# A change of these may take a followed conversation out of the agent's sight.
ACCESS_FIELDS = frozenset({"team_id", "assignee_id"})


def agents_group(conversation_id: int) -> str:
    """Agents following a conversation: relays the customer must not get (note typing)."""
    return f"desk.agents.conv.{conversation_id}"


class _AgentFrame(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class Watch(_AgentFrame):
    type: Literal["watch"]
    inbox: bool


class AgentTyping(_AgentFrame):
    type: Literal["typing"]
    on: bool
    conversation: UUID | None = None
    note: bool = False  # writing a private note: the customer must not see it


_AGENT_FRAMES: dict[str, type[Watch] | type[AgentTyping]] = {
    "watch": Watch, "typing": AgentTyping,
}


def agent_frame(text: str) -> Watch | AgentTyping | None:
    """An agent-only frame (or one with agent-only fields); None for the shared parser."""
    if '"watch"' not in text and '"typing"' not in text:
        return None
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return None
    model = _AGENT_FRAMES.get(str(data.get("type"))) if isinstance(data, dict) else None
    if model is None:
        return None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise FrameError("bad_frame", fields[:200]) from None


def _admitted_profile(user: Any, session: Any) -> tuple[AgentProfile, frozenset[int]] | None:
    """The same gate as the console's ``agent_required``: an active agent past TOTP;
    with the agent's team ids."""
    profile = selectors.agent_profile(user)
    if profile is None or session is None:
        return None
    request = HttpRequest()
    request.session = session
    if not otp_session.is_verified(request, profile.user):
        return None
    return profile, team_ids_of(profile)


@dataclass(frozen=True)
class Access:
    profile: AgentProfile | None  # None: the agent is gone or deactivated
    team_ids: frozenset[int]
    visible: set[int]  # of the conversations asked about


def current_access(profile_id: int, conversation_ids: list[int]) -> Access:
    """The agent's profile and teams as they are now, and which of these conversations
    it may see."""
    profile = AgentProfile.objects.select_related("user").filter(
        pk=profile_id, user__is_active=True).first()
    if profile is None:
        return Access(None, frozenset(), set())
    visible = visible_conversations(profile).filter(pk__in=conversation_ids)
    return Access(profile, team_ids_of(profile), set(visible.values_list("pk", flat=True)))


@dataclass(frozen=True)
class InboxRow:
    """What ``inbox`` frames say about a conversation, before anyone's access is checked."""

    public_id: str
    pk: int
    status: str
    team_id: int | None
    assignee_id: int | None
    assignee: dict[str, Any] | None
    teams: dict[str, dict[str, str]] | None  # by language code

    def fields(self, lang: str) -> dict[str, Any]:
        return {"conversation": self.public_id, "id": self.pk, "status": self.status,
                "assignee": self.assignee, "team": self.teams[lang] if self.teams else None}


def inbox_row(conversation_id: int) -> InboxRow | None:
    conversation = (
        Conversation.objects.filter(pk=conversation_id)
        .select_related("team", "assignee__agent_profile")
        .first()
    )
    if conversation is None:
        return None
    teams = None
    if conversation.team is not None:
        teams = {}
        for lang, _name in settings.LANGUAGES:
            with translation.override(lang):
                teams[lang] = {"slug": conversation.team.slug, "name": str(conversation.team)}
    return InboxRow(str(conversation.public_id), conversation.pk, conversation.status,
                    conversation.team_id, conversation.assignee_id, _assignee(conversation),
                    teams)


class SharedInboxRows:
    """One row read per doorbell per process, however many agents watch the inbox.

    Each watching connection then applies its own agent's access rule in Python
    (:func:`kefu.desk.selectors.may_see`), instead of one query per agent per event.
    """

    def __init__(self) -> None:
        self.reads: dict[str, asyncio.Future[InboxRow | None]] = {}

    async def get(self, doorbell_id: str, conversation_id: int) -> InboxRow | None:
        read = self.reads.get(doorbell_id)
        if read is None:
            read = self.reads[doorbell_id] = asyncio.ensure_future(db(inbox_row)(conversation_id))
            asyncio.get_running_loop().call_later(
                SHARED_ROW_SECONDS, self.reads.pop, doorbell_id, None)
        return await asyncio.shield(read)


shared_rows = loop_local(SharedInboxRows)


def _assignee(conversation: Conversation) -> dict[str, Any] | None:
    user = conversation.assignee
    if user is None:
        return None
    profile = getattr(user, "agent_profile", None)
    return {"id": user.pk, "name": profile.display_name if profile else user.get_username()}


class AgentConsumer(ChatConsumer):
    include_notes = True

    async def admit(self) -> tuple[str, int] | None:
        self.profile: AgentProfile | None = None
        self.team_ids: frozenset[int] = frozenset()
        self.watching = False
        self.announced: dict[int, str] = {}  # conversations named in inbox frames so far
        self.repeats: dict[str, float] = {}
        self.public_typing: set[int] = set()  # conversations where the customer sees us type
        # The session cookie rides along with any page's request: only our own pages may
        # open this socket (cross-site WebSocket hijacking).
        origin = self.origin()
        host = urlsplit(origin).hostname if origin else None
        if not host or not validate_host(host, settings.ALLOWED_HOSTS):
            return "origin_not_allowed", CLOSE_FORBIDDEN
        admitted = await db(_admitted_profile)(self.scope.get("user"), self.scope.get("session"))
        if admitted is None:
            return "forbidden", CLOSE_FORBIDDEN
        self.profile, self.team_ids = admitted
        return None

    async def disconnect(self, code: int) -> None:
        if getattr(self, "watching", False):
            self.watching = False
            await self.channel_layer.group_discard(INBOX_GROUP, self.channel_name)
        await super().disconnect(code)

    def visibility_profile(self) -> AgentProfile | None:
        return self.profile

    @property
    def user(self) -> User:
        assert self.profile is not None
        return self.profile.user

    # --- agent-only frames (the shared parser does not know them) ----------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame: Watch | AgentTyping | FrameError | None = None
        if text_data is not None and len(text_data.encode()) <= self.max_frame:
            try:
                frame = agent_frame(text_data)
            except FrameError as exc:
                frame = exc
        if frame is None or self.closing or self.profile is None:
            await super().receive(text_data, bytes_data)
            return
        self.last_heard = time.monotonic()
        if not self.frame_bucket.take():  # the shared limits count these frames too
            await self.fail("rate_limited", CLOSE_FLOOD)
            return
        try:
            if isinstance(frame, FrameError):
                raise frame
            if isinstance(frame, Watch):
                await self.on_watch(frame)
            else:
                await self.on_typing(frame)
        except FrameError as exc:
            await self.error(exc.code, exc.detail)
        except Exception:
            logger.exception("agent frame failed")
            await self.error("internal")

    async def on_watch(self, frame: Watch) -> None:
        if frame.inbox and not self.watching:
            await self.channel_layer.group_add(INBOX_GROUP, self.channel_name)
        elif not frame.inbox and self.watching:
            await self.channel_layer.group_discard(INBOX_GROUP, self.channel_name)
        self.watching = frame.inbox
        await self.send_frame({"type": "watching", "inbox": self.watching})

    async def on_typing(self, frame: AgentTyping) -> None:
        assert self.profile is not None
        sub = self._sub(frame.conversation)
        pk = sub.conversation.pk
        name = self.profile.display_name
        if not frame.note:
            if frame.on:
                self.public_typing.add(pk)
            else:
                self.public_typing.discard(pk)
            await self.broadcast(sub, "chat.typing", role="agent", name=name, on=frame.on)
            return
        if pk in self.public_typing:  # switched from a reply to a note: stop, for everyone
            self.public_typing.discard(pk)
            await self.broadcast(sub, "chat.typing", role="agent", name=name, on=False)
        await self.channel_layer.group_send(agents_group(pk), {
            "type": "chat.typing", "conversation_id": pk, "sender": self.channel_name,
            "role": "agent", "name": name, "on": frame.on, "note": True,
        })

    async def chat_typing(self, event: dict[str, Any]) -> None:
        frame = {"type": "typing", "role": event["role"], "name": event["name"],
                 "on": event["on"]}
        if event.get("note"):
            frame["note"] = True
        await self._relay(event, frame)

    # --- subscriptions ------------------------------------------------------------------
    async def subscribe(self, conversation: selectors.ConversationRef, last_seq: int) -> None:
        if conversation.pk not in self.subs:
            await self.channel_layer.group_add(agents_group(conversation.pk), self.channel_name)
        await super().subscribe(conversation, last_seq)

    async def unsubscribe(self, conversation_id: int) -> None:
        if conversation_id in self.subs:
            await self.channel_layer.group_discard(agents_group(conversation_id),
                                                   self.channel_name)
        self.public_typing.discard(conversation_id)
        await super().unsubscribe(conversation_id)

    def _sub(self, conversation: Any) -> Subscription:
        for sub in self.subs.values():
            if sub.public_id == str(conversation):
                return sub
        raise FrameError("not_subscribed", str(conversation))

    async def _visible(self, conversation: Any) -> selectors.ConversationRef:
        assert self.profile is not None
        ref: selectors.ConversationRef | None = await db(
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
        elif isinstance(frame, Read):
            sub = self._sub(frame.conversation)
            seq = min(frame.seq, sub.cursor)
            await db(services.agent_read)(conversation=sub.conversation,
                                                              seq=seq)
            await self.broadcast(sub, "chat.read", role="agent", seq=seq)

    async def on_send(self, frame: Send) -> None:
        if frame.conversation is None:
            raise FrameError("bad_frame", "conversation")
        if not frame.body.strip():
            raise FrameError("empty_message")
        ref = await self._visible(frame.conversation)  # access is checked on every write
        posted = await db(services.agent_send)(
            user=self.user, conversation=ref, client_msg_id=frame.client_msg_id,
            body=frame.body, note=frame.note,
        )
        await self.send_frame({"type": "ack", "conversation": ref.public_id,
                               "client_msg_id": frame.client_msg_id, "seq": posted.seq})
        sub = self.subs.get(ref.pk)
        if sub is not None:
            await self.show_own_write(sub, posted.frame)

    def wants(self, event: dict[str, Any]) -> bool:
        # Customers never see notes, so an agent typing is fine to show to other agents too.
        return True

    # --- doorbells ------------------------------------------------------------------------
    async def desk_event(self, event: dict[str, Any]) -> None:
        if self.watching:
            if self._repeat(event):
                return
            await self._safely(self.on_inbox_event(event))
        sub = self.subs.get(event.get("conversation_id", -1))
        if (sub is not None and event.get("event") == "conversation.updated"
                and ACCESS_FIELDS.intersection(event.get("fields", ()))):
            # Events reach this connection in order: the check ends before the next one.
            sub.trusted = False
            await self._safely(self.recheck_access())
        await super().desk_event(event)

    async def recheck_access(self) -> None:
        """Which followed conversations this agent may still see, read afresh (its teams
        and role too); announced messages are shown only for those (see ``trusted``)."""
        if self.profile is None or self.closing:
            return
        access = await db(current_access)(self.profile.pk, list(self.subs))
        if access.profile is None:
            await self.fail("forbidden", CLOSE_FORBIDDEN)
            return
        self.profile, self.team_ids = access.profile, access.team_ids
        for pk, sub in self.subs.items():
            sub.trusted = pk in access.visible

    async def on_tick(self) -> None:
        await self.recheck_access()

    def _repeat(self, event: dict[str, Any]) -> bool:
        """The second copy of a followed conversation's doorbell (see REPEAT_WINDOW_SECONDS)."""
        if event.get("conversation_id") not in self.subs:
            return False
        key = event.get("id")  # the same doorbell, heard through both groups
        if not isinstance(key, str):
            return False
        now = time.monotonic()
        seen = self.repeats.pop(key, None)
        if seen is not None and now - seen < REPEAT_WINDOW_SECONDS:
            return True
        if len(self.repeats) > 100:
            self.repeats = {k: t for k, t in self.repeats.items()
                            if now - t < REPEAT_WINDOW_SECONDS}
        self.repeats[key] = now
        return False

    async def on_inbox_event(self, event: dict[str, Any]) -> None:
        assert self.profile is not None
        pk = event.get("conversation_id")
        if not isinstance(pk, int) or self.closing:
            return
        doorbell = event.get("id")
        if not isinstance(doorbell, str):  # every desk doorbell has one (kefu.desk.events)
            return
        row = await shared_rows().get(doorbell, pk)
        if row is None or not may_see(self.profile, self.team_ids, team_id=row.team_id,
                                      assignee_id=row.assignee_id):
            # Moved out of this agent's sight: say so only if we named it before.
            public_id = self.announced.pop(pk, None)
            if public_id is not None:
                await self.send_frame({"type": "inbox", "conversation": public_id, "id": pk,
                                       "event": "conversation.hidden"})
            return
        if len(self.announced) >= MAX_ANNOUNCED:
            self.announced.clear()
        self.announced[pk] = row.public_id
        frame: dict[str, Any] = {"type": "inbox", "event": str(event.get("event", "")),
                                 **row.fields(self.lang)}
        if isinstance(event.get("seq"), int):
            frame["seq"] = event["seq"]
        if event.get("kind"):
            frame["kind"] = str(event["kind"])
        await self.send_frame(frame)

    async def on_status(self, sub: Subscription, event: dict[str, Any]) -> None:
        await self.send_frame({
            "type": "status", "conversation": sub.public_id, "event": event.get("event"),
            "fields": list(event.get("fields", [])), "status": event.get("status"),
        })
