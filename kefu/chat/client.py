"""A reference client for the chat protocol (docs/chat-protocol.md), in plain asyncio.

It shows app developers the four habits that make the chat lossless:

1. every message gets a client id, and stays "pending" until its ``ack`` arrives;
2. on every (re)connect, ``hello`` carries the last sequence number seen, and pending
   messages are sent again — the server stores each client id once and acks it again;
3. incoming messages are applied only if their ``seq`` is higher than the last one seen
   (so nothing is shown twice), and a gap is simply filled by the server's replay;
4. reconnect with a growing delay when the connection drops, but not after 4401/4403.

Usage::

    client = ChatClient("wss://support.example.com/ws/chat/", token=token_from_platform)
    await client.start()
    seq = await client.send("我的提现还没到账")
    ...
    await client.close()

The transport is pluggable (``connect=``) so the tests can drive it over Channels'
in-process communicator; by default it uses the ``websockets`` library.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

FATAL_CLOSE_CODES = {4401, 4403}  # a new token (or a sign-in) is needed, retrying won't help


class TransportClosed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed with {code}")
        self.code = code


class Transport(Protocol):
    async def send(self, text: str) -> None: ...

    async def recv(self) -> str:
        """The next text frame; raises :class:`TransportClosed` when the connection ends."""
        ...

    async def close(self) -> None: ...


Connector = Callable[[], Awaitable[Transport]]


class WebsocketsTransport:
    """The ``websockets`` library (asyncio implementation)."""

    def __init__(self, connection: Any) -> None:
        self._ws = connection

    @classmethod
    def connector(cls, url: str, *, origin: str | None = None) -> Connector:
        async def connect() -> Transport:
            from websockets.asyncio.client import connect as ws_connect

            kwargs: dict[str, Any] = {"open_timeout": 5, "ping_interval": None}
            if origin:
                kwargs["origin"] = origin
            return cls(await ws_connect(url, **kwargs))

        return connect

    async def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(text)
        except ConnectionClosed as exc:
            raise TransportClosed(exc.rcvd.code if exc.rcvd else None) from None

    async def recv(self) -> str:
        from websockets.exceptions import ConnectionClosed

        try:
            data = await self._ws.recv()
        except ConnectionClosed as exc:
            raise TransportClosed(exc.rcvd.code if exc.rcvd else None) from None
        return data if isinstance(data, str) else data.decode()

    async def close(self) -> None:
        await self._ws.close()


class SendRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class ChatClient:
    """One customer's chat, kept in order across reconnects."""

    url: str = ""
    token: str | None = None  # None: the server makes this client a new visitor
    conversation: str | None = None
    origin: str | None = None
    connect: Connector | None = None
    reconnect_delay: float = 0.2
    max_reconnect_delay: float = 5.0
    lang: str | None = None

    last_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0  # frames with a seq already seen; the server should never cause any
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # typing, read, status
    closed_code: int | None = None
    connections: int = 0

    def __post_init__(self) -> None:
        self._pending: dict[str, str] = {}  # client id -> body, in send order
        self._acks: dict[str, asyncio.Future[int]] = {}
        self._transport: Transport | None = None
        self._ready = asyncio.Event()
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        if self.connect is None:
            self.connect = WebsocketsTransport.connector(self.url, origin=self.origin)

    # --- public API ---------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (and keep reconnecting) in the background; returns once welcomed."""
        self._task = asyncio.ensure_future(self._run())
        await self.wait_ready()

    async def wait_ready(self, timeout: float = 10) -> None:
        ready = asyncio.ensure_future(self._ready.wait())
        assert self._task is not None
        done, _ = await asyncio.wait({ready, self._task}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            raise ConnectionError(f"not welcomed (closed with {self.closed_code})")

    async def send(self, body: str, *, client_msg_id: str | None = None,
                   timeout: float = 30) -> int:
        """Send once, however many reconnects it takes; returns the server's seq."""
        cid = client_msg_id or uuid.uuid4().hex
        future = self._acks.get(cid)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._acks[cid] = future
            self._pending[cid] = body
            if self._ready.is_set():
                await self._write({"type": "send", "client_msg_id": cid, "body": body})
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def typing(self, on: bool) -> None:
        await self._write({"type": "typing", "on": on})

    async def read(self, seq: int) -> None:
        await self._write({"type": "read", "seq": seq})

    async def wait_for_seq(self, seq: int, timeout: float = 10) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.last_seq >= seq), timeout)

    async def drop_connection(self) -> None:
        """Simulate a network loss: the client reconnects on its own."""
        if self._transport is not None:
            await self._transport.close()

    async def close(self) -> None:
        self._stopping = True
        if self._transport is not None:
            with contextlib.suppress(Exception):
                await self._transport.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @property
    def bodies(self) -> list[str]:
        return [m["body"] for m in self.messages]

    # --- connection loop ----------------------------------------------------------------
    async def _run(self) -> None:
        delay = self.reconnect_delay
        while not self._stopping:
            try:
                assert self.connect is not None
                self._transport = await self.connect()
                self.connections += 1
                await self._hello()
                delay = self.reconnect_delay
                while True:
                    await self._on_frame(json.loads(await self._transport.recv()))
            except TransportClosed as exc:
                self.closed_code = exc.code
                if exc.code in FATAL_CLOSE_CODES:
                    return
            except (TimeoutError, OSError) as exc:
                logger.info("chat connection failed: %s", exc)
            except Exception as exc:  # e.g. the websockets handshake was refused
                logger.info("chat connection failed: %r", exc)
            self._ready.clear()
            self._transport = None
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_reconnect_delay)

    async def _hello(self) -> None:
        frame: dict[str, Any] = {"type": "hello", "token": self.token,
                                 "last_seq": self.last_seq}
        if self.conversation:
            frame["conversation"] = self.conversation
        if self.lang:
            frame["lang"] = self.lang
        await self._write(frame)

    async def _write(self, frame: dict[str, Any]) -> None:
        if self._transport is None:
            return  # sent again after the next welcome
        with contextlib.suppress(TransportClosed):
            await self._transport.send(json.dumps(frame, ensure_ascii=False))

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "welcome":
            await self._on_welcome(frame)
        elif kind == "ack":
            if frame.get("conversation") and self.conversation != frame["conversation"]:
                self._switch(frame["conversation"])
            self._pending.pop(frame["client_msg_id"], None)
            future = self._acks.get(frame["client_msg_id"])
            if future is not None and not future.done():
                future.set_result(int(frame["seq"]))
        elif kind == "message":
            await self._on_message(frame)
        elif kind == "ping":
            await self._write({"type": "pong"})
        elif kind == "error":
            self.errors.append(frame)
            cid = frame.get("client_msg_id")
            if cid and frame.get("code") not in ("internal", "rate_limited"):
                self._pending.pop(cid, None)
                future = self._acks.get(cid)
                if future is not None and not future.done():
                    future.set_exception(SendRejected(frame["code"], frame.get("message", "")))
        elif kind != "pong":
            self.events.append(frame)

    def _switch(self, conversation: str) -> None:
        """A new conversation (the first message, or the old one was closed): a new log."""
        self.conversation = conversation
        self.last_seq = 0
        self.messages = []

    async def _on_welcome(self, frame: dict[str, Any]) -> None:
        if frame.get("token"):
            self.token = frame["token"]  # a new visitor: keep the proof of who we are
        if frame.get("conversation") and frame["conversation"] != self.conversation:
            self._switch(frame["conversation"])
        first = not self._ready.is_set()
        self._ready.set()
        if first:
            for cid, body in list(self._pending.items()):
                await self._write({"type": "send", "client_msg_id": cid, "body": body})

    async def _on_message(self, frame: dict[str, Any]) -> None:
        if frame.get("conversation") != self.conversation:
            return
        seq = int(frame["seq"])
        if seq <= self.last_seq:
            self.duplicates += 1
            return
        self.last_seq = seq
        self.messages.append(frame)
        async with self._changed:
            self._changed.notify_all()
