"""Real server processes: kill -9 loses no acknowledged message; two processes share Redis.

The servers are ``uvicorn kefu.config.asgi:application`` subprocesses on a database of
their own (a SQLite file, or a throwaway PostgreSQL database when the suite runs on
PostgreSQL — see ``tests/chat/_servers.py``); the clients are the reference clients in
``kefu/chat/client.py`` over real sockets.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kefu.chat.client import AgentClient, ChatClient
from tests.chat import _servers
from tests.chat.conftest import redis_url_or_skip, run


class _Observed:
    """Adds a way to wait for a typing/read/status frame to a reference client."""

    _changed: asyncio.Condition
    events: list[dict[str, Any]]

    async def _on_frame(self, frame: dict[str, Any]) -> None:
        await super()._on_frame(frame)  # type: ignore[misc]
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_event(self, check: Callable[[dict[str, Any]], bool],
                             timeout: float = 10) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: any(check(e) for e in self.events)), timeout)


class Customer(_Observed, ChatClient):
    pass


class Agent(_Observed, AgentClient):
    pass


def _customer(server: _servers.Server, seeded: dict[str, Any]) -> Customer:
    return Customer(url=server.url("/ws/chat/"), token=seeded["customers"][0]["token"],
                    conversation=seeded["customers"][0]["conversation"],
                    reconnect_delay=0.05, max_reconnect_delay=0.5)


def _agent(server: _servers.Server, seeded: dict[str, Any]) -> Agent:
    return Agent(url=server.url("/ws/desk/"), cookie=seeded["agents"][0]["cookie"],
                 origin=server.origin, reconnect_delay=0.05, max_reconnect_delay=0.5)


@pytest.fixture
def one_site() -> Iterator[_servers.Site]:
    # The servers follow the suite: PostgreSQL (a database of their own) when DATABASE_URL
    # says so, the Redis layer when REDIS_URL is set; a SQLite file otherwise.
    with _servers.site(database_url=_servers.suite_database_url(),
                       redis_url=os.environ.get("REDIS_URL")) as site:
        yield site


@pytest.fixture
def server(one_site: _servers.Site) -> Iterator[_servers.Server]:
    running = one_site.server().start()
    try:
        yield running
    finally:
        running.stop()


def _full_log(server: _servers.Server, seeded: dict[str, Any], conversation: str,
              count: int) -> list[tuple[int, str]]:
    """The conversation as the database has it: a new agent connection replays from 0."""
    log: list[tuple[int, str]] = []

    async def replay() -> None:
        reader = _agent(server, seeded)
        await reader.start([conversation])
        await reader.wait_for_seq(conversation, count)
        log.extend((m["seq"], m["body"]) for m in reader.messages[conversation])
        assert reader.duplicates == 0
        await reader.close()

    run(replay)
    return log


def test_acknowledged_messages_survive_kill_9_right_after_the_ack(
    one_site: _servers.Site, server: _servers.Server,
) -> None:
    seeded = one_site.seed
    conversation = seeded["customers"][0]["conversation"]
    acked: dict[str, int] = {}

    async def scenario() -> None:
        customer, agent = _customer(server, seeded), _agent(server, seeded)
        await customer.start()
        await agent.start([conversation])
        for n in range(3):
            acked[f"c{n}"] = await customer.send(f"customer {n}", client_msg_id=f"c{n}")
            acked[f"a{n}"] = await agent.send(conversation, f"agent {n}", client_msg_id=f"a{n}")
        server.kill()  # the ack of a2 has just arrived; nothing else happened since
        await asyncio.to_thread(server.start)
        # Both clients reconnect on their own with their last seq; new messages flow.
        acked["c-after"] = await customer.send("customer after", client_msg_id="c-after")
        acked["a-after"] = await agent.send(conversation, "agent after",
                                            client_msg_id="a-after")
        await customer.wait_for_seq(8)
        await agent.wait_for_seq(conversation, 8)
        # A client whose ack was lost sends again: acked again with the same seq.
        assert await customer.send("customer 2", client_msg_id="c2") == acked["c2"]
        assert await agent.send(conversation, "agent 2", client_msg_id="a2") == acked["a2"]
        expected = ["customer 0", "agent 0", "customer 1", "agent 1", "customer 2",
                    "agent 2", "customer after", "agent after"]
        assert customer.bodies == expected
        assert agent.bodies(conversation) == expected
        assert customer.duplicates == agent.duplicates == 0
        assert customer.connections >= 2
        assert agent.connections >= 2
        await customer.close()
        await agent.close()

    run(scenario)
    assert sorted(acked.values()) == list(range(1, 9))
    assert [seq for seq, _ in _full_log(server, seeded, conversation, 8)] == list(range(1, 9))


def test_kill_9_with_sends_in_flight_loses_nothing_acked_and_doubles_nothing(
    one_site: _servers.Site, server: _servers.Server,
) -> None:
    seeded = one_site.seed
    conversation = seeded["customers"][0]["conversation"]
    burst = 40
    acked_before_kill: dict[str, int] = {}
    final: dict[str, int] = {}

    async def scenario() -> None:
        customer, agent = _customer(server, seeded), _agent(server, seeded)
        await customer.start()
        await agent.start([conversation])
        sends: dict[str, asyncio.Future[int]] = {}
        for n in range(burst):  # all in flight at once, from both sides
            sends[f"c{n}"] = asyncio.ensure_future(
                customer.send(f"c{n}", client_msg_id=f"c{n}"))
            sends[f"a{n}"] = asyncio.ensure_future(
                agent.send(conversation, f"a{n}", client_msg_id=f"a{n}"))
        done, _ = await asyncio.wait(sends.values(), return_when=asyncio.FIRST_COMPLETED)
        while len(done) < burst // 4:
            more, _ = await asyncio.wait([s for s in sends.values() if not s.done()],
                                         return_when=asyncio.FIRST_COMPLETED)
            done |= more
        server.kill()  # some acked, some stored but not yet acked, some not even read
        acked_before_kill.update({cid: f.result() for cid, f in sends.items() if f.done()})
        assert len(acked_before_kill) < 2 * burst, "the kill came too late to matter"
        await asyncio.to_thread(server.start)
        # The clients reconnect and send every pending message again.
        for cid, future in sends.items():
            final[cid] = await future
        await customer.wait_for_seq(2 * burst)
        await agent.wait_for_seq(conversation, 2 * burst)
        assert customer.duplicates == agent.duplicates == 0
        assert sorted(customer.bodies) == sorted(sends)
        assert agent.bodies(conversation) == customer.bodies
        await customer.close()
        await agent.close()

    run(scenario)
    # Acked before the kill: the same seq afterwards. Everything: stored exactly once.
    assert all(final[cid] == seq for cid, seq in acked_before_kill.items())
    log = _full_log(server, seeded, conversation, 2 * burst)
    assert [seq for seq, _ in log] == list(range(1, 2 * burst + 1))
    assert sorted(body for _, body in log) == sorted(final)
    assert {body: seq for seq, body in log} == final
    for side in "ca":  # each side's messages keep the order they were sent in
        mine = [int(body[1:]) for _, body in log if body[0] == side]
        assert mine == sorted(mine)


@pytest.mark.services
def test_two_processes_share_the_redis_layer_messages_and_typing_cross_over() -> None:
    redis_url = redis_url_or_skip("scale-out")
    # Heartbeats 300 s apart: whatever arrives within seconds came through the layer. The
    # customer sends 21 messages in a few seconds, more than the default flood limit (20 per
    # 10 s) allows: that limit has tests of its own, so it is raised here.
    with _servers.site(database_url=_servers.suite_database_url(), redis_url=redis_url,
                       env={"KEFU_CHAT_HEARTBEAT_SECONDS": "300",
                            "KEFU_CHAT_RATE": "1000"}) as site:
        seeded = site.seed
        conversation = seeded["customers"][0]["conversation"]
        a, b = site.server(), site.server()
        try:
            a.start()
            b.start()

            async def scenario() -> None:
                customer, agent = _customer(a, seeded), _agent(b, seeded)
                await customer.start()
                await agent.start([conversation])
                assert await customer.send("via A") == 1
                await agent.wait_for_seq(conversation, 1, timeout=5)
                assert await agent.send(conversation, "via B") == 2
                await customer.wait_for_seq(2, timeout=5)
                await customer.typing(True)
                await agent.wait_for_event(
                    lambda e: e["type"] == "typing" and e["role"] == "customer" and e["on"],
                    timeout=5)
                await agent.typing(conversation, True)
                await customer.wait_for_event(
                    lambda e: e["type"] == "typing" and e["role"] == "agent" and e["on"],
                    timeout=5)
                for n in range(20):  # a quick exchange, each side waiting for the other
                    seq = await customer.send(f"q{n}")
                    await agent.wait_for_seq(conversation, seq, timeout=5)
                    seq = await agent.send(conversation, f"r{n}")
                    await customer.wait_for_seq(seq, timeout=5)
                await agent.wait_for_seq(conversation, 42, timeout=5)  # its own echo
                assert customer.bodies == agent.bodies(conversation)
                assert len(customer.bodies) == 42
                assert customer.duplicates == agent.duplicates == 0
                assert customer.connections == agent.connections == 1
                await customer.close()
                await agent.close()

            run(scenario)
        finally:
            a.stop()
            b.stop()
