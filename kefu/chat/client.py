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


def settle(frame: dict[str, Any], pending: dict[str, Any],
           acks: dict[str, asyncio.Future[int]]) -> None:
    """Resolve a send by its ``ack`` (the seq) or its final ``error``.

    ``internal`` and ``rate_limited`` errors are not final: the send stays pending and is
    resent after the reconnect.
    """
    cid = frame.get("client_msg_id")
    if not cid:
        return
    if frame["type"] == "error" and frame.get("code") in ("internal", "rate_limited"):
        return
    pending.pop(cid, None)
    future = acks.get(cid)
    if future is None or future.done():
        return
    if frame["type"] == "ack":
        future.set_result(int(frame["seq"]))
    else:
        future.set_exception(SendRejected(frame["code"], frame.get("message", "")))


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
    features: tuple[str, ...] = ()  # e.g. ("queue",): optional server frames to receive

    last_seq: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0  # frames with a seq already seen; the server should never cause any
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # typing, read, status
    closed_code: int | None = None
    connections: int = 0
    queue: dict[str, Any] | None = None  # the latest ``queue`` frame (with features=queue)

    def __post_init__(self) -> None:
        self._pending: dict[str, dict[str, Any]] = {}  # client id -> send frame, in order
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
                   attachments: list[int] | None = None, timeout: float = 30) -> int:
        """Send once, however many reconnects it takes; returns the server's seq.

        ``attachments``: ids from :func:`upload_attachment` (uploaded over HTTPS first).
        """
        cid = client_msg_id or uuid.uuid4().hex
        future = self._acks.get(cid)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._acks[cid] = future
            frame: dict[str, Any] = {"type": "send", "client_msg_id": cid, "body": body}
            if attachments:
                frame["attachments"] = list(attachments)
            self._pending[cid] = frame
            if self._ready.is_set():
                await self._write(frame)
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def typing(self, on: bool) -> None:
        await self._write({"type": "typing", "on": on})

    async def read(self, seq: int) -> None:
        await self._write({"type": "read", "seq": seq})

    async def wait_for_seq(self, seq: int, timeout: float = 10) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.last_seq >= seq), timeout)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Until ``predicate()`` holds; checked after every message, edit or queue frame."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

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
        if self.features:
            frame["features"] = list(self.features)
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
            settle(frame, self._pending, self._acks)
        elif kind == "message":
            await self._on_message(frame)
        elif kind in ("edited", "queue"):
            if kind == "edited":
                self._on_edited(frame)
            else:
                self.queue = frame
                self.events.append(frame)
            async with self._changed:
                self._changed.notify_all()
        elif kind == "ping":
            await self._write({"type": "pong"})
        elif kind == "error":
            self.errors.append(frame)
            settle(frame, self._pending, self._acks)
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
            for pending in list(self._pending.values()):
                await self._write(pending)

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

    def _on_edited(self, frame: dict[str, Any]) -> None:
        """An agent corrected a message we have: same ``seq``, new text."""
        for message in self.messages:
            if message["seq"] == frame.get("seq") and frame.get("conversation") == (
                    self.conversation):
                message["body"] = frame["body"]
                message["revision"] = frame["revision"]


def upload_attachment(api_base: str, token: str, conversation: str, name: str,
                      data: bytes, *, timeout: float = 30) -> dict[str, Any]:
    """Upload a file over the REST API (docs/api.md); returns ``{id, name, sha256, url, …}``.

    Blocking (standard library only); from asyncio call it with ``asyncio.to_thread``.
    ``api_base`` is e.g. ``https://support.example.com/api/v1``. Raises
    :class:`SendRejected` with the server's error code (413, 422, …).
    """
    import urllib.error
    import urllib.request

    boundary = uuid.uuid4().hex
    safe_name = name.replace('"', "").replace("\r", "").replace("\n", "")
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{safe_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 - the caller's own HTTPS endpoint
        f"{api_base.rstrip('/')}/chat/conversations/{conversation}/attachments",
        data=body, method="POST",
        headers={"Authorization": f"Bearer {token}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        error = json.loads(exc.read() or b"{}")
        raise SendRejected(error.get("code", str(exc.code)), error.get("message", "")) from None
    return result


# --- Agents: the console's stream (/ws/desk/) -------------------------------------------
# Added for the process tests and the benchmark; the same four habits as ChatClient, with
# one log per subscribed conversation.


def websockets_connector(url: str, *, origin: str | None = None,
                         headers: dict[str, str] | None = None) -> Connector:
    """Like :meth:`WebsocketsTransport.connector`, with extra handshake headers (a cookie)."""

    async def connect() -> Transport:
        from websockets.asyncio.client import connect as ws_connect

        kwargs: dict[str, Any] = {"open_timeout": 5, "ping_interval": None}
        if origin:
            kwargs["origin"] = origin
        if headers:
            kwargs["additional_headers"] = headers
        return WebsocketsTransport(await ws_connect(url, **kwargs))

    return connect


@dataclass
class AgentClient:
    """An agent following several conversations, kept in order across reconnects.

    ``cookie`` is the console's session cookie (``sessionid=…``) with the TOTP step passed;
    ``origin`` must be one of the server's own hosts.
    """

    url: str = ""
    cookie: str = ""
    origin: str | None = None
    connect: Connector | None = None
    reconnect_delay: float = 0.2
    max_reconnect_delay: float = 5.0

    last_seq: dict[str, int] = field(default_factory=dict)  # conversation -> last applied
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    closed_code: int | None = None
    connections: int = 0
    on_message: Callable[[dict[str, Any]], None] | None = None  # called for each new message

    def __post_init__(self) -> None:
        self._pending: dict[str, tuple[str, str]] = {}  # client id -> (conversation, body)
        self._acks: dict[str, asyncio.Future[int]] = {}
        self._transport: Transport | None = None
        self._ready = asyncio.Event()
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        if self.connect is None:
            self.connect = websockets_connector(self.url, origin=self.origin,
                                                headers={"Cookie": self.cookie})

    async def start(self, conversations: list[str] | tuple[str, ...] = (),
                    timeout: float = 10) -> None:
        for conversation in conversations:
            self.last_seq.setdefault(conversation, 0)
            self.messages.setdefault(conversation, [])
        self._task = asyncio.ensure_future(self._run())
        ready = asyncio.ensure_future(self._ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            raise ConnectionError(f"agent not welcomed (closed with {self.closed_code})")

    async def send(self, conversation: str, body: str, *, client_msg_id: str | None = None,
                   timeout: float = 30) -> int:
        cid = client_msg_id or uuid.uuid4().hex
        future = self._acks.get(cid)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._acks[cid] = future
            self._pending[cid] = (conversation, body)
            if self._ready.is_set():
                await self._write({"type": "send", "client_msg_id": cid, "body": body,
                                   "conversation": conversation})
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def typing(self, conversation: str, on: bool) -> None:
        await self._write({"type": "typing", "conversation": conversation, "on": on})

    async def wait_for_seq(self, conversation: str, seq: int, timeout: float = 10) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: self.last_seq.get(conversation, 0) >= seq), timeout)

    def bodies(self, conversation: str) -> list[str]:
        return [m["body"] for m in self.messages.get(conversation, [])]

    async def ping(self) -> None:
        """Ask the server to look for anything missed (it answers ``pong``, then catches up)."""
        await self._write({"type": "ping"})

    async def close(self) -> None:
        self._stopping = True
        if self._transport is not None:
            with contextlib.suppress(Exception):
                await self._transport.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        delay = self.reconnect_delay
        while not self._stopping:
            try:
                assert self.connect is not None
                self._transport = await self.connect()
                self.connections += 1
                await self._write({"type": "hello", "token": None})
                delay = self.reconnect_delay
                while True:
                    await self._on_frame(json.loads(await self._transport.recv()))
            except TransportClosed as exc:
                self.closed_code = exc.code
                if exc.code in FATAL_CLOSE_CODES:
                    return
            except Exception as exc:  # refused handshake, network error
                logger.info("agent connection failed: %r", exc)
            self._ready.clear()
            self._transport = None
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_reconnect_delay)

    async def _write(self, frame: dict[str, Any]) -> None:
        if self._transport is None:
            return
        with contextlib.suppress(TransportClosed):
            await self._transport.send(json.dumps(frame, ensure_ascii=False))

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "welcome" and frame.get("conversation") is None and not self._ready.is_set():
            # The agent's own welcome: (re)subscribe from where each log stopped, then
            # send what is still pending.
            for conversation, seq in list(self.last_seq.items()):
                await self._write({"type": "subscribe", "conversation": conversation,
                                   "last_seq": seq})
            for pending_id, (pending_conversation, body) in list(self._pending.items()):
                await self._write({"type": "send", "client_msg_id": pending_id, "body": body,
                                   "conversation": pending_conversation})
            self._ready.set()
        elif kind == "ack":
            settle(frame, self._pending, self._acks)
        elif kind == "message":
            await self._on_message(frame)
        elif kind == "ping":
            await self._write({"type": "pong"})
        elif kind == "error":
            self.errors.append(frame)
            settle(frame, self._pending, self._acks)
        elif kind not in ("pong", "welcome"):
            self.events.append(frame)

    async def _on_message(self, frame: dict[str, Any]) -> None:
        conversation = frame.get("conversation")
        if conversation not in self.last_seq:
            return
        seq = int(frame["seq"])
        if seq <= self.last_seq[conversation]:
            self.duplicates += 1
            return
        self.last_seq[conversation] = seq
        self.messages[conversation].append(frame)
        if self.on_message is not None:
            self.on_message(frame)
        async with self._changed:
            self._changed.notify_all()
