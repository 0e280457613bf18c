"""Chat fixtures: the real ASGI app over Channels' communicator, agents past TOTP, tokens.

Tests are plain functions running one ``async`` scenario with :func:`run`, on a thread of
its own (Playwright's session fixture keeps an event loop running on the main thread);
the transactional database lets ``on_commit`` doorbells ring as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from kefu.chat.client import ChatClient, Transport, TransportClosed
from kefu.chat.tokens import mint_account_token
from kefu.desk.models import Conversation, DeskCustomer, Team
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import customer_for_account
from tests.desk.conftest import DeskClient, make_agent

ORIGIN = "http://127.0.0.1:8000"  # KEFU_SITE_URL's origin: always allowed


def redis_url_or_skip(what: str) -> str:
    """REDIS_URL; a test that needs Redis is skipped without it, and fails without it
    where the services are required (.ci/run's second step)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("KEFU_REQUIRE_SERVICES") == "true":
            pytest.fail("REDIS_URL must be set when KEFU_REQUIRE_SERVICES=true")
        pytest.skip(f"{what} needs Redis: set REDIS_URL (.ci/run's second step does)")
    return url


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run ``scenario`` to the end; its database work happens on its thread."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            async_to_sync(scenario)()
        except BaseException as exc:
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="chat-scenario")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def application() -> Any:
    from kefu.config.asgi import application as app

    return app


@pytest.fixture(autouse=True)
def _fresh_layer() -> Iterator[None]:
    # The in-memory layer is process-wide: start each test with empty groups and queues.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@dataclass
class Chat:
    support: Team
    vip: Team
    agent: User
    outsider: User
    customer: DeskCustomer
    other: DeskCustomer

    @property
    def token(self) -> str:
        return mint_account_token(self.customer.external_ref)

    @property
    def other_token(self) -> str:
        return mint_account_token(self.other.external_ref)

    def conversation(self, customer: DeskCustomer | None = None,
                     team: Team | None = None) -> Conversation:
        return conversation_open(customer=customer or self.customer, channel="web",
                                 team=team or self.support)


@pytest.fixture
def chat(transactional_db: None) -> Chat:
    support = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                                  is_default=True)
    vip = Team.objects.create(slug="vip", name_zh_hans="VIP", name_en="VIP")
    return Chat(
        support=support,
        vip=vip,
        agent=make_agent("alice", support),
        outsider=make_agent("victor", vip),
        customer=customer_for_account(external_ref="acct-1001", display_name="Zhang San"),
        other=customer_for_account(external_ref="acct-2002", display_name="Li Si"),
    )


def agent_cookie(user: User, *, totp: bool = True) -> bytes:
    client = DeskClient() if totp else Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class WsCommunicator(ApplicationCommunicator):  # type: ignore[misc]
    """channels.testing's WebsocketCommunicator without importing daphne (not installed)."""

    def __init__(self, app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        path, _, query = path.partition("?")
        super().__init__(app, {"type": "websocket", "path": path, "raw_path": path.encode(),
                               "query_string": query.encode(), "headers": headers,
                               "subprotocols": [], "client": ["127.0.0.1", 50000],
                               "server": ["127.0.0.1", 8000]})

    async def connect(self, timeout: float = 1) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        return response["type"] == "websocket.accept", response.get("code")

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send_input({"type": "websocket.receive", "bytes": data})

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


class Conn:
    """One raw WebSocket connection with frame helpers."""

    def __init__(self, path: str = "/ws/chat/", *, origin: str | None = ORIGIN,
                 cookie: bytes | None = None) -> None:
        headers = []
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if cookie is not None:
            headers.append((b"cookie", cookie))
        self.ws = WsCommunicator(application(), path, headers)

    async def open(self) -> Conn:
        connected, _ = await self.ws.connect(timeout=5)
        assert connected
        return self

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def output(self, timeout: float) -> dict[str, Any]:
        """Like ``receive_output``, but a timeout does not cancel the application."""
        get = asyncio.ensure_future(self.ws.output_queue.get())
        done, _ = await asyncio.wait({get, self.ws.future}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if get in done:
            result: dict[str, Any] = get.result()
            return result
        get.cancel()
        if self.ws.future.done():
            self.ws.future.result()  # re-raises the consumer's crash, if any
            return {"type": "websocket.close", "code": 1006}
        raise TimeoutError

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        output = await self.output(timeout)
        if output["type"] == "websocket.close":
            return {"type": "__closed__", "code": output.get("code")}
        frame: dict[str, Any] = json.loads(output["text"])
        return frame

    async def recv_type(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The next frame of ``kind``, skipping others (pings, typing, message echoes)."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] in (kind, "__closed__"):
                return frame

    async def settled(self) -> None:
        """Until the server has handled every frame sent so far (hello's replay included):
        frames are handled in order, and this one is answered with an error."""
        await self.send({"type": "settle-barrier"})
        frame = await self.recv_type("error")
        assert frame.get("code") == "unknown_type", frame

    async def hello(self, token: str | None, **fields: Any) -> dict[str, Any]:
        await self.send({"type": "hello", "token": token, **fields})
        return await self.recv()

    async def frames_for(self, seconds: float) -> list[dict[str, Any]]:
        """Every frame that arrives within ``seconds`` (a close ends the list)."""
        frames: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            try:
                frame = await self.recv(left)
            except TimeoutError:
                break
            frames.append(frame)
            if frame["type"] == "__closed__":
                break
        return frames

    async def nothing(self, timeout: float = 0.2) -> bool:
        try:
            await self.output(timeout)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        await self.ws.disconnect()


class CommunicatorTransport:
    """Lets the reference client speak through Channels' in-process communicator."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.closed = False

    @classmethod
    def connector(cls, path: str = "/ws/chat/") -> Any:
        async def connect() -> Transport:
            return cls(await Conn(path).open())

        return connect

    async def send(self, text: str) -> None:
        if self.closed:
            raise TransportClosed(None)
        await self.conn.send(text)

    async def recv(self) -> str:
        while not self.closed:
            try:
                output = await self.conn.output(0.2)
            except TimeoutError:
                continue
            if output["type"] == "websocket.close":
                raise TransportClosed(output.get("code"))
            return str(output["text"])
        raise TransportClosed(1006)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.conn.close()


def client_for(token: str | None, **kwargs: Any) -> ChatClient:
    return ChatClient(token=token, connect=CommunicatorTransport.connector(), **kwargs)
