"""The scale-out layer: channels_redis with batched sends and receives, on a real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from redis.exceptions import MaxConnectionsError

from kefu.chat.layers import RECEIVE_BATCH, RedisChannelLayer
from tests.chat.conftest import redis_url_or_skip


@pytest.fixture
def redis_url() -> str:
    return redis_url_or_skip("the Redis layer")


def layer_on(url: str, cls: type[StockRedisChannelLayer] = RedisChannelLayer,
             **config: Any) -> Any:
    # A prefix of its own: tests never see each other's keys (or the suite's).
    return cls(hosts=[{"address": url, "socket_timeout": None}],
               prefix=f"kefu-test-{uuid.uuid4().hex[:8]}", **config)


def run(layer: Any, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        try:
            await scenario()
        finally:
            await layer.flush()

    asyncio.run(main())


def event(n: int) -> dict[str, Any]:
    return {"type": "desk.event", "n": n}


def test_a_batch_of_sends_arrives_in_order_at_every_member(redis_url: str) -> None:
    layer = layer_on(redis_url)

    async def scenario() -> None:
        first, second, outsider = [await layer.new_channel() for _ in range(3)]
        await layer.group_add("conv.1", first)
        await layer.group_add("conv.1", second)
        await layer.group_add("conv.2", first)
        await layer.group_add("conv.3", outsider)
        await layer.group_send_many([("conv.1", event(1)), ("conv.2", event(2)),
                                     ("conv.1", event(3)), ("empty", event(4))])
        got_first = [(await layer.receive(first))["n"] for _ in range(3)]
        got_second = [(await layer.receive(second))["n"] for _ in range(2)]
        assert got_first == [1, 2, 3]
        assert got_second == [1, 3]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(outsider), 0.2)

    run(layer, scenario)


def test_stock_and_batched_processes_share_one_redis(redis_url: str) -> None:
    """A rolling upgrade runs both classes at once on the same keys."""
    ours = layer_on(redis_url)
    stock = layer_on(redis_url, StockRedisChannelLayer)
    stock.prefix = ours.prefix

    async def scenario() -> None:
        listener = await stock.new_channel()
        await ours.group_add("conv.9", listener)
        await ours.group_send_many([("conv.9", event(1)), ("conv.9", event(2))])
        assert [(await stock.receive(listener))["n"] for _ in range(2)] == [1, 2]
        mine = await ours.new_channel()
        await stock.group_add("conv.8", mine)
        await stock.group_send("conv.8", event(3))
        assert (await ours.receive(mine))["n"] == 3

    run(ours, scenario)


@pytest.mark.parametrize("bzmpop", [True, False], ids=["redis-7", "before-redis-7"])
def test_what_piled_up_is_taken_in_one_go_and_in_order(redis_url: str, bzmpop: bool) -> None:
    layer = layer_on(redis_url, capacity=1000)
    layer._bzmpop = bzmpop  # as if the server did not know BZMPOP
    count = RECEIVE_BATCH + 20

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("conv.1", channel)
        await layer.group_send_many([("conv.1", event(n)) for n in range(count)])
        connection = layer.connection(0)
        calls: list[str] = []
        real = connection.execute_command

        async def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(str(args[0]))
            return await real(*args, **kwargs)

        connection.execute_command = counted
        received = [(await layer.receive(channel))["n"] for _ in range(count)]
        assert received == list(range(count))
        # A full batch, then the rest: two round trips, not four per message.
        assert calls == (["BZMPOP"] * 2 if bzmpop else ["ZPOPMIN"] * 2)

    run(layer, scenario)


def test_a_cancelled_receive_loses_nothing(redis_url: str) -> None:
    layer = layer_on(redis_url)

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("conv.1", channel)
        waiting = asyncio.ensure_future(layer.receive(channel))
        for _ in range(1000):  # until it waits in Redis for a message
            if layer.receive_lock is not None and layer.receive_lock.locked():
                break
            await asyncio.sleep(0.001)
        assert layer.receive_lock.locked()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await layer.group_send_many([("conv.1", event(1)), ("conv.1", event(2))])
        assert (await layer.receive(channel))["n"] == 1
        assert (await layer.receive(channel))["n"] == 2

    run(layer, scenario)


def test_a_full_channel_drops_what_does_not_fit(redis_url: str) -> None:
    layer = layer_on(redis_url, capacity=3)

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("conv.1", channel)
        await layer.group_send_many([("conv.1", event(n)) for n in range(5)])
        received = [(await layer.receive(channel))["n"] for _ in range(3)]
        assert received == [0, 1, 2]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.2)

    run(layer, scenario)


def test_hundreds_of_connections_leaving_at_once_all_leave_their_groups(
    redis_url: str,
) -> None:
    """As after a restart behind the load balancer: redis-py 8 refuses a pool's 101st
    concurrent command, so with the stock pool most of these fail; ours wait their turn."""
    channels = [f"specific.x!{n}" for n in range(300)]

    async def leave_all(layer: Any) -> list[Any]:
        for name in channels:
            await layer.group_add("conv.1", name)
        return await asyncio.gather(
            *(layer.group_discard("conv.1", name) for name in channels),
            return_exceptions=True)

    ours = layer_on(redis_url)

    async def ours_all_leave() -> None:
        assert [r for r in await leave_all(ours) if r is not None] == []
        assert await ours.connection(0).zcard(ours._group_key("conv.1")) == 0

    run(ours, ours_all_leave)
    stock = layer_on(redis_url, StockRedisChannelLayer)

    async def stock_refuses() -> None:
        results = await leave_all(stock)
        assert any(isinstance(r, MaxConnectionsError) for r in results)

    run(stock, stock_refuses)
