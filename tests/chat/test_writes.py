"""Customers' messages are written a batch at a time; frames never wait on the database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from kefu.chat import services
from kefu.chat.tokens import mint_account_token
from kefu.chat.writes import writer
from kefu.desk.models import Conversation, Message
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import customer_for_account
from tests.chat.conftest import Chat, Conn, run


def customers(chat: Chat, count: int) -> list[tuple[str, Conversation]]:
    """``count`` account customers, each with a token and an open chat conversation."""
    made = []
    for n in range(count):
        customer = customer_for_account(external_ref=f"acct-batch-{n}")
        made.append((mint_account_token(customer.external_ref),
                     conversation_open(customer=customer, channel="web", team=chat.support)))
    return made


async def opened(people: list[tuple[str, Conversation]]) -> list[Conn]:
    connections = []
    for token, conversation in people:
        conn = await Conn().open()
        welcome = await conn.hello(token, conversation=str(conversation.public_id))
        assert welcome["type"] == "welcome"
        connections.append(conn)
    return connections


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    """Yield to the loop until ``condition()`` holds (a deadline, not a fixed wait)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


class HeldBatches:
    """Wraps customer_send_many: records batch sizes and holds the first ``hold`` batches
    on their database threads until released, so that the next messages queue up."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, hold: int = 1,
                 fail_when: Callable[[int], bool] = lambda size: False) -> None:
        self.sizes: list[int] = []
        self.hold = hold
        self.release = threading.Event()
        self.real = services.customer_send_many
        self.fail_when = fail_when
        monkeypatch.setattr(services, "customer_send_many", self)

    def __call__(self, messages: Any) -> Any:
        self.sizes.append(len(messages))
        if len(self.sizes) <= self.hold:
            assert self.release.wait(10)
        if self.fail_when(len(messages)):
            raise RuntimeError("the database went away")
        return self.real(messages)


async def send_behind_the_first(held: HeldBatches, conns: list[Conn],
                                extra: dict[int, dict[str, Any]] | None = None) -> None:
    """Connection n sends "第n条" (client id mn): the first ``held.hold`` messages are
    written alone and held there, the others queue up behind them; then all go."""
    for n, conn in enumerate(conns):
        await conn.send({"type": "send", "client_msg_id": f"m{n}", "body": f"第{n}条",
                         **(extra or {}).get(n, {})})
        if n < held.hold:
            await until(lambda: len(held.sizes) == n + 1)  # noqa: B023 - awaited right here
    await until(lambda: len(writer().waiting) == len(conns) - held.hold)
    held.release.set()


@pytest.fixture
def one_lane(settings: Any) -> None:
    settings.KEFU_CHAT_DB_THREADS = 1


@pytest.mark.usefixtures("one_lane")
def test_messages_sent_meanwhile_are_stored_in_one_batch(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = customers(chat, 5)
    held = HeldBatches(monkeypatch)

    async def scenario() -> None:
        conns = await opened(people)
        await send_behind_the_first(held, conns)
        for conn in conns:
            ack = await conn.recv_type("ack")
            assert ack["seq"] == 1
            message = await conn.recv_type("message")  # the customer's own, shown back
            assert message["seq"] == 1
        for conn in conns:
            await conn.close()

    run(scenario)
    assert held.sizes == [1, 4]
    for n, (_token, conversation) in enumerate(people):
        assert list(Message.objects.filter(conversation=conversation)
                    .values_list("seq", "body")) == [(1, f"第{n}条")]


@pytest.mark.usefixtures("one_lane")
def test_a_failed_batch_is_written_again_one_by_one(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = customers(chat, 4)
    held = HeldBatches(monkeypatch, fail_when=lambda size: size > 1)

    async def scenario() -> None:
        conns = await opened(people)
        await send_behind_the_first(held, conns)
        for conn in conns:
            assert (await conn.recv_type("ack"))["seq"] == 1
        for conn in conns:
            await conn.close()

    run(scenario)
    assert held.sizes == [1, 3, 1, 1, 1]
    assert Message.objects.filter(conversation__in=[c for _t, c in people]).count() == 4


@pytest.mark.usefixtures("one_lane")
def test_one_bad_message_in_a_batch_is_only_its_senders_error(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = customers(chat, 3)
    held = HeldBatches(monkeypatch)

    async def scenario() -> None:
        conns = await opened(people)
        await send_behind_the_first(held, conns, {1: {"attachments": [987654]}})  # no such file
        assert (await conns[0].recv_type("ack"))["seq"] == 1
        error = await conns[1].recv_type("error")
        assert (error["code"], error["client_msg_id"]) == ("attachment_unknown", "m1")
        assert (await conns[2].recv_type("ack"))["seq"] == 1
        for conn in conns:
            await conn.close()

    run(scenario)
    assert held.sizes == [1, 2]
    assert not Message.objects.filter(conversation=people[1][1]).exists()
    assert Message.objects.filter(conversation=people[2][1]).count() == 1


def test_with_two_database_threads_two_batches_are_written_at_once(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two database threads are for PostgreSQL; SQLite takes one writer")
    settings.KEFU_CHAT_DB_THREADS = 2  # PostgreSQL's default
    people = customers(chat, 5)
    held = HeldBatches(monkeypatch, hold=2)

    async def scenario() -> None:
        conns = await opened(people)
        await send_behind_the_first(held, conns)  # two held at once, three behind them
        for conn in conns:
            assert (await conn.recv_type("ack"))["seq"] == 1
        for conn in conns:
            await conn.close()

    run(scenario)
    assert held.sizes == [1, 1, 3]
    assert Message.objects.filter(conversation__in=[c for _t, c in people]).count() == 5


def test_frames_are_answered_while_the_database_thread_is_busy(chat: Chat) -> None:
    """Channels' stock dispatch ran ``close_old_connections`` on the database thread
    before every frame and doorbell, so one slow query held up every connection."""
    conversation = chat.conversation()
    release = threading.Event()

    async def scenario() -> None:
        conn = await Conn().open()
        await conn.hello(chat.token, conversation=str(conversation.public_id))
        busy = asyncio.ensure_future(sync_to_async(release.wait)(10))
        try:
            await conn.send({"type": "ping"})
            assert (await conn.recv(timeout=3))["type"] == "pong"
        finally:
            release.set()
        assert await busy
        await conn.close()

    run(scenario)


def test_a_message_sent_as_the_writer_finishes_is_not_left_waiting(
    monkeypatch: pytest.MonkeyPatch, settings: Any,
) -> None:
    """A message sent the moment the previous batch's outcome arrives, with nothing else
    queued, is written at once: it must not wait for somebody else's next message to
    start a writer (the writer that just finished must not still count as busy)."""
    settings.KEFU_CHAT_DB_THREADS = 1
    written: list[list[object]] = []

    async def write(messages: list[object]) -> list[object]:
        written.append(messages)
        return [f"posted {m}" for m in messages]

    monkeypatch.setattr("kefu.chat.writes._write", write)

    outcomes: list[object] = []

    async def scenario() -> None:
        writes = writer()
        outcomes.append(await writes.send("m1"))  # type: ignore[arg-type]
        outcomes.append(await asyncio.wait_for(writes.send("m2"), 2))  # type: ignore[arg-type]

    run(scenario)
    assert outcomes == ["posted m1", "posted m2"]
    assert written == [["m1"], ["m2"]]
