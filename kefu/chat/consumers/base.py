"""What both WebSocket endpoints share: framing, limits, heartbeats, and replay from the log.

The channel layer is only a doorbell. A connection keeps, per conversation, the highest
sequence number it has delivered (``cursor``); any doorbell — or a ping, or a heartbeat
tick — makes it read from the *database* everything after that cursor, in order. A lost
doorbell therefore costs latency, never a message, and nothing is sent twice.

One shortcut keeps the database out of the common case: a ``message.created`` doorbell
carries the message as stored, and when its ``seq`` is exactly ``cursor + 1`` the
connection sends that instead of reading it back (likewise the sender's own message,
from the write's result). A gap, a file, or an agent whose access is being re-checked
falls back to the log read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation

from kefu.chat import selectors
from kefu.chat.db import db
from kefu.chat.frames import (
    CLOSE_FLOOD,
    CLOSE_IDLE,
    ERRORS,
    ClientFrame,
    FrameError,
    Ping,
    Pong,
    Send,
    parse_frame,
)
from kefu.core.loops import loop_local
from kefu.desk.events import conversation_group, rung
from kefu.desk.models import AgentProfile, MessageKind

logger = logging.getLogger(__name__)

# After a doorbell delivered something, look once more a moment later: when a burst fills
# this connection's queue in the channel layer, the *last* doorbells are the ones dropped.
TAIL_CHECK_SECONDS = 0.5


class TokenBucket:
    """``capacity`` frames at once, refilled at ``capacity`` per 10 seconds."""

    def __init__(self, capacity: int) -> None:
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.rate = capacity / 10.0
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Subscription:
    conversation: selectors.ConversationRef
    cursor: int  # highest seq delivered to this connection (or skipped as not for it)
    # Log end up to which a full read found nothing more for this connection (a
    # customer's conversation ending in private notes): no need to read there again.
    checked: int = 0
    # Whether a doorbell's announced message may be shown without reading the log: an
    # agent's access is re-checked (and this set again) when the conversation changes
    # team or assignee and on every heartbeat; until then the log read checks it.
    trusted: bool = True

    @property
    def public_id(self) -> str:
        return self.conversation.public_id


class LogSweeper:
    """Catch-ups that can wait a moment, for every connection of this process at once.

    After a doorbell, a connection looks again ``TAIL_CHECK_SECONDS`` later (the last
    doorbells of a burst are the ones a full layer drops), and every heartbeat it looks
    for anything missed. Done per connection, that was one log-ends query each; here the
    connections that asked within the same interval share one query, and only those whose
    log grew read it.
    """

    def __init__(self) -> None:
        self.waiting: dict[ChatConsumer, None] = {}
        self.task: asyncio.Task[None] | None = None

    def add(self, consumer: ChatConsumer) -> None:
        self.waiting[consumer] = None
        if self.task is None:
            self.task = asyncio.ensure_future(self._sweep())

    async def _sweep(self) -> None:
        try:
            await asyncio.sleep(TAIL_CHECK_SECONDS)
        finally:
            self.task = None
        batch = [c for c in self.waiting if not c.closing]
        self.waiting.clear()
        ids = sorted({pk for c in batch for pk in c.subs})
        if not ids:
            return
        try:
            ends = await db(selectors.log_ends)(ids)
        except Exception:
            logger.exception("chat log sweep failed")
            return
        for consumer in batch:
            lagging = consumer.lagging(ends)
            if lagging:  # most have seen everything: no task for them
                consumer._spawn(consumer._safely(consumer.catch_up_lagging(lagging)))


sweeper = loop_local(LogSweeper)


class ChatConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    """Base class; subclasses implement :meth:`admit` and :meth:`handle`."""

    include_notes = False

    # --- lifecycle ------------------------------------------------------------------
    async def connect(self) -> None:
        self.subs: dict[int, Subscription] = {}
        self.closing = False
        self.lang = self._initial_language()
        self.heartbeat = int(settings.KEFU_CHAT_HEARTBEAT_SECONDS)
        self.max_frame = int(settings.KEFU_CHAT_MAX_FRAME_BYTES)
        rate = int(settings.KEFU_CHAT_RATE)
        self.send_bucket = TokenBucket(rate)
        self.frame_bucket = TokenBucket(5 * rate)
        self.last_heard = time.monotonic()
        self.catchup_lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()
        # Accept first, refuse after: a browser shows close codes, not handshake statuses.
        await self.accept()
        refusal = await self.admit()
        if refusal is not None:
            await self.fail(*refusal)
            return
        self._spawn(self._heartbeat())

    async def disconnect(self, code: int) -> None:
        self.closing = True
        for task in list(getattr(self, "tasks", ())):
            task.cancel()
        for conversation_id in list(getattr(self, "subs", {})):
            await self.unsubscribe(conversation_id)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its ``close_old_connections`` before every handler.

        Channels runs that clean-up through ``sync_to_async`` for consumers that use the
        ORM on the event loop; on the chat's database thread it queued every frame and
        doorbell of every connection behind the writes. These consumers never touch the
        ORM on the loop: each query goes through :func:`kefu.chat.db.db`, which cleans up
        around the call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']!r}")
        await handler(message)

    async def admit(self) -> tuple[str, int] | None:
        """None to let the connection in, or (error code, close code)."""
        raise NotImplementedError

    async def handle(self, frame: ClientFrame) -> None:
        raise NotImplementedError

    # --- inbound frames ---------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        self.last_heard = time.monotonic()
        if not self.frame_bucket.take():
            await self.fail("rate_limited", CLOSE_FLOOD)
            return
        if text_data is None:
            await self.error("binary_not_supported")
            return
        if len(text_data) > self.max_frame or len(text_data.encode()) > self.max_frame:
            await self.error("frame_too_large", f"> {self.max_frame} bytes")
            return
        extra: dict[str, Any] = {}
        try:
            frame = parse_frame(text_data)
            if isinstance(frame, Send):
                extra["client_msg_id"] = frame.client_msg_id  # so the client can drop it
                if not self.send_bucket.take():
                    await self.fail("rate_limited", CLOSE_FLOOD)
                    return
            if isinstance(frame, Ping):
                await self.send_frame({"type": "pong"})
                await self.catch_up_all()  # a client's ping doubles as "anything new?"
            elif not isinstance(frame, Pong):
                await self.handle(frame)
        except FrameError as exc:
            await self.error(exc.code, exc.detail, **extra)
        except Exception:  # one bad frame must never take the connection down
            logger.exception("chat frame failed")
            await self.error("internal", **extra)

    # --- outbound ---------------------------------------------------------------------
    async def send_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "ack":
            await rung()  # the write's doorbells first (kefu.desk.events.ring)
        if not self.closing:
            await self.send(text_data=json.dumps(frame, ensure_ascii=False,
                                                 separators=(",", ":")))

    async def error(self, code: str, detail: str = "", **extra: Any) -> None:
        with translation.override(self.lang):
            message = str(ERRORS[code])
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message, **extra}
        if detail:
            frame["detail"] = detail
        await self.send_frame(frame)

    async def fail(self, code: str, close_code: int) -> None:
        await self.error(code)
        self.closing = True
        await self.close(code=close_code)

    # --- subscriptions and replay -----------------------------------------------------
    async def subscribe(self, conversation: selectors.ConversationRef, last_seq: int) -> None:
        """Follow a conversation: join its group *then* read the log, so nothing falls between."""
        if conversation.pk not in self.subs:
            await self.channel_layer.group_add(conversation_group(conversation.pk),
                                               self.channel_name)
        self.subs[conversation.pk] = Subscription(conversation, min(last_seq,
                                                                    conversation.last_seq))
        await self.send_frame({
            "type": "welcome", "conversation": conversation.public_id,
            "last_seq": conversation.last_seq, "status": conversation.status,
        })
        await self.catch_up(self.subs[conversation.pk])

    async def unsubscribe(self, conversation_id: int) -> None:
        if self.subs.pop(conversation_id, None) is not None:
            await self.channel_layer.group_discard(conversation_group(conversation_id),
                                                   self.channel_name)

    def visibility_profile(self) -> AgentProfile | None:
        return None

    def viewer_customer_id(self, sub: Subscription) -> int | None:
        """The customer this connection speaks for (signs attachment URLs); None: agents."""
        return None

    async def catch_up(self, sub: Subscription) -> int:
        """Deliver everything after the cursor, from the database, in order."""
        delivered = 0
        async with self.catchup_lock:
            while not self.closing and self.subs.get(sub.conversation.pk) is sub:
                frames = await db(selectors.messages_after)(
                    conversation_id=sub.conversation.pk, public_id=sub.public_id,
                    after_seq=sub.cursor, include_notes=self.include_notes,
                    visible_to=self.visibility_profile(),
                    customer_id=self.viewer_customer_id(sub),
                )
                for frame in frames:
                    await self.send_frame(frame)
                    sub.cursor = frame["seq"]
                delivered += len(frames)
                if len(frames) < selectors.REPLAY_BATCH:
                    break
        return delivered

    async def catch_up_all(self) -> None:
        """Catch up where the log grew: one query for the log ends of all subscriptions."""
        if not self.subs or self.closing:
            return
        ends = await db(selectors.log_ends)(list(self.subs))
        await self.catch_up_where(ends)

    def lagging(self, ends: dict[int, int]) -> dict[int, int]:
        """The log ends (read by a sweep) that are past what this connection has seen."""
        if self.closing:
            return {}
        # Over this connection's few subscriptions, not the sweep's every conversation.
        return {pk: end for pk, sub in self.subs.items()
                if (end := ends.get(pk, 0)) > max(sub.cursor, sub.checked)}

    async def catch_up_lagging(self, lagging: dict[int, int]) -> None:
        """After a sweep: read the log where it is still ahead a moment later.

        A message committed just before the sweep usually has its doorbell on the way;
        reading it from the log now would only duplicate that work (and under load, pile
        reads onto a busy database), so its doorbell gets ``TAIL_CHECK_SECONDS`` more."""
        await asyncio.sleep(TAIL_CHECK_SECONDS)
        await self.catch_up_where(lagging)  # skips what doorbells brought meanwhile

    async def catch_up_where(self, ends: dict[int, int]) -> None:
        """Catch up the subscriptions whose log end (read just before) is past the cursor."""
        for sub in list(self.subs.values()):
            if self.closing:
                return
            end = ends.get(sub.conversation.pk, 0)
            if end <= max(sub.cursor, sub.checked):
                continue
            await self.catch_up(sub)
            # Messages up to ``end`` were committed before that read, so the catch-up saw
            # them all; only a connection that sees the whole log may skip them for good
            # (an agent's access can come back, and with it what it could not read).
            if (self.visibility_profile() is None and not self.closing
                    and self.subs.get(sub.conversation.pk) is sub):
                sub.checked = end

    # --- channel-layer events -----------------------------------------------------------
    async def desk_event(self, event: dict[str, Any]) -> None:
        """The desk's doorbell (kefu.desk.events). A new message it announces is shown from
        the doorbell only when it is exactly the next one (:meth:`deliver_next`); any gap,
        and every other event, is answered from the log."""
        sub = self.subs.get(event.get("conversation_id", -1))
        if sub is None or self.closing:
            return
        if event.get("event") == "message.created":
            seq = int(event.get("seq", 0))
            if seq <= sub.cursor:
                return
            frame = self.frame_from_doorbell(sub, seq, event)
            delivered = frame is not None and await self.deliver_next(sub, frame)
            if delivered or await self.catch_up(sub):
                self._tail_check()
            return
        if event.get("event") == "message.edited":
            await self.send_edited(sub, int(event.get("seq", 0)))
        await self.on_status(sub, event)
        await self.on_conversation_event(sub, event)

    def frame_from_doorbell(self, sub: Subscription, seq: int, event: dict[str, Any]
                            ) -> dict[str, Any] | None:
        """The frame of the message a doorbell announces, if it may be shown without
        reading the log: no files (their links are signed per viewer), a connection
        whose access needs no re-check. :meth:`deliver_next` checks the sequence."""
        announcement = event.get("message")
        if not isinstance(announcement, dict) or announcement.get("files") or not sub.trusted:
            return None
        try:
            return selectors.announced_frame(sub.public_id, seq, str(event["kind"]),
                                             announcement)
        except (KeyError, TypeError):
            return None

    async def deliver_next(self, sub: Subscription, frame: dict[str, Any]) -> bool:
        """Send ``frame`` if it is exactly the next message this connection needs.

        False (nothing sent) when there is a gap or the subscription changed: the caller
        reads the log instead. Notes advance a customer's cursor without being sent.
        """
        async with self.catchup_lock:
            if (self.closing or self.subs.get(sub.conversation.pk) is not sub
                    or frame["seq"] != sub.cursor + 1):
                return False
            if self.include_notes or frame["kind"] != MessageKind.NOTE:
                await self.send_frame(frame)
            sub.cursor = frame["seq"]
            return True

    async def show_own_write(self, sub: Subscription, frame: dict[str, Any] | None) -> None:
        """After the ack of this connection's own message: show it from the write's result
        (``Posted.frame``) when it is the next one, else from the log."""
        if frame is None or not await self.deliver_next(sub, frame):
            await self.catch_up(sub)

    async def send_edited(self, sub: Subscription, seq: int) -> None:
        """An edit of a message this connection already has: its new text (``edited``).

        Messages not delivered yet arrive with the new text anyway; notes stay hidden
        from customers (the frame is built from the same log query as replay)."""
        if not 0 < seq <= sub.cursor:
            return
        frame = await db(selectors.edited_frame)(
            conversation_id=sub.conversation.pk, public_id=sub.public_id, seq=seq,
            include_notes=self.include_notes, visible_to=self.visibility_profile(),
            customer_id=self.viewer_customer_id(sub),
        )
        if frame is not None:
            await self.send_frame(frame)

    async def on_status(self, sub: Subscription, event: dict[str, Any]) -> None:
        return None

    async def on_conversation_event(self, sub: Subscription, event: dict[str, Any]) -> None:
        """Any desk event other than a new message, after :meth:`on_status` (hook)."""
        return

    async def on_tick(self) -> None:
        """Every heartbeat, after the catch-up (hook)."""
        return

    async def chat_typing(self, event: dict[str, Any]) -> None:
        await self._relay(event, {"type": "typing", "role": event["role"],
                                  "name": event["name"], "on": event["on"]})

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self._relay(event, {"type": "read", "role": event["role"], "seq": event["seq"]})

    async def _relay(self, event: dict[str, Any], frame: dict[str, Any]) -> None:
        sub = self.subs.get(event["conversation_id"])
        if sub is None or event["sender"] == self.channel_name or not self.wants(event):
            return
        await self.send_frame({**frame, "conversation": sub.public_id})

    def wants(self, event: dict[str, Any]) -> bool:
        """Whether a typing/read relay from ``event["role"]`` is for this connection."""
        return True

    async def broadcast(self, sub: Subscription, kind: str, **fields: Any) -> None:
        """Typing and read state: ephemeral, straight through the layer (loss is harmless)."""
        await self.channel_layer.group_send(
            conversation_group(sub.conversation.pk),
            {"type": kind, "conversation_id": sub.conversation.pk,
             "sender": self.channel_name, **fields},
        )

    # --- background -------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _tail_check(self) -> None:
        sweeper().add(self)

    async def _heartbeat(self) -> None:
        # The first tick comes after a random half to whole period, so connections opened
        # together (a restart, a load test) do not all catch up in the same instant.
        delay = self.heartbeat * (0.5 + random.random() / 2)  # noqa: S311 - not a secret
        while not self.closing:
            await asyncio.sleep(delay)
            delay = self.heartbeat
            try:
                if time.monotonic() - self.last_heard > 2 * self.heartbeat:
                    await self.fail("idle_timeout", CLOSE_IDLE)
                    return
                await self.send_frame({"type": "ping"})
            except OSError:  # the client left since the last tick (ClientDisconnected)
                return
            sweeper().add(self)
            await self._safely(self.on_tick())

    async def _safely(self, coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("chat background work failed")

    def _initial_language(self) -> str:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        lang = (query.get("lang") or [""])[0]
        return lang if lang in ("zh-hans", "en") else str(settings.LANGUAGE_CODE)

    def origin(self) -> str | None:
        for name, value in self.scope.get("headers", []):
            if name == b"origin":
                return str(value.decode("latin-1"))
        return None
