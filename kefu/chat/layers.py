"""The channel layers Kefu runs on, each a stock Channels layer with its hot paths made cheap.

* :class:`InMemoryChannelLayer` (one process, no Redis): Channels' in-memory layer looks
  through every channel and group for expired entries on each send and receive; with
  1,000 connections that scan was half of the event loop's time under chat load. Expiry
  is housekeeping (messages live 60 s, memberships a day), so here it runs at most once
  a second.
* :class:`RedisChannelLayer` (scale-out): channels_redis spends four Redis round trips
  on each ``group_send`` and four on each message received, one after the other. Under
  chat load in one process that capped delivery well below 200 messages/s and made each
  doorbell wait for eight turns of a busy event loop. Here the doorbells of a batch go in
  two round trips (:meth:`RedisChannelLayer.group_send_many`) and one round trip takes
  every message waiting for the process (:meth:`RedisChannelLayer.receive_single`).
  Storage, keys, message format, capacities and expiry are channels_redis's own, so
  processes on either class share one Redis.

Neither layer is trusted for delivery (see kefu.chat.consumers.base): a doorbell lost to a
full queue costs latency, never a message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import time
from typing import Any

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer
from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import ResponseError

SWEEP_SECONDS = 1.0

# Messages a receive takes off the process's queue at once, at most.
RECEIVE_BATCH = 100

# For each channel key (KEYS[i]) one message (ARGV[i]) with its capacity (ARGV[n + i])
# and score (ARGV[2n + i]); then the key expiry. channels_redis's group_send script, for
# many messages at once, with scores that keep the order of the batch.
_SEND_SCRIPT = """
local n = #KEYS
local expiry = ARGV[3 * n + 1]
local over_capacity = 0
for i = 1, n do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[n + i]) then
        redis.call('ZADD', KEYS[i], ARGV[2 * n + i], ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""

class InMemoryChannelLayer(StockInMemoryChannelLayer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """The stock ``group_send``, without a task and a deep copy per member.

        The stock layer starts a task for each member's send and deep-copies the message
        for each; a chat doorbell has two to a hundred members (the conversation's
        connections, every agent watching the inbox). Here one copy is queued for all of
        them in one pass — events are read, never changed, by their receivers — and a
        full queue drops the message for that member only, silently, as before.
        """
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        item = (time.time() + self.expiry, copy.deepcopy(message))
        for channel in list(members):
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(
                    maxsize=self.get_capacity(channel))
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(item)

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """``group_send`` for each (group, message), in order (kefu.desk.events)."""
        for group, message in sends:
            await self.group_send(group, message)

    def _clean_expired(self) -> None:
        now = time.time()  # wall clock, as the stock expiry stamps are
        if 0 <= now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()


class RedisChannelLayer(StockRedisChannelLayer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_score = 0.0
        # Messages taken off a channel key and not handed out yet, oldest first.
        self._taken: dict[str, collections.deque[bytes]] = {}
        self._bzmpop = True  # until the server says it does not know it (before Redis 7)

    def create_pool(self, index: int) -> Any:
        """A pool whose commands wait for a free connection instead of failing.

        redis-py 8 refuses the 101st concurrent command; a thousand WebSockets closing at
        once (a restart behind the load balancer) each leave their groups at once.
        """
        host = dict(self.hosts[index])
        if "address" not in host:  # sentinels: channels_redis's own pool
            return super().create_pool(index)
        address = host.pop("address")
        host.setdefault("max_connections", 100)
        host.setdefault("timeout", 30)  # seconds a command may wait for a connection
        return BlockingConnectionPool.from_url(address, **host)

    # --- sending ------------------------------------------------------------------------
    def _score(self) -> float:
        """Now, but always later than the last score given: the order of sends is kept
        even within one clock tick (the stock layer's equal scores sort by content)."""
        self._last_score = max(time.time(), self._last_score + 1e-6)
        return self._last_score

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self.group_send_many([(group, message)])

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """``group_send`` for each (group, message), in order, in two round trips per
        Redis shard: one reads the groups' members, one queues every message."""
        for _group, _message in sends:
            assert self.require_valid_group_name(_group), "Group name not valid"
        groups = list(dict.fromkeys(group for group, _message in sends))
        members: dict[str, list[str]] = {}
        by_shard: dict[int, list[str]] = collections.defaultdict(list)
        for group in groups:
            by_shard[self.consistent_hash(group)].append(group)
        now = int(time.time())
        for index, shard_groups in by_shard.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for group in shard_groups:
                key = self._group_key(group)
                pipe.zremrangebyscore(key, min=0, max=now - self.group_expiry)
                pipe.zrange(key, 0, -1)
            replies = await pipe.execute()
            for group, names in zip(shard_groups, replies[1::2], strict=True):
                members[group] = [name.decode("utf8") for name in names]
        # Per shard, in send order: (channel key, serialized message, capacity).
        entries: dict[int, list[tuple[str, bytes, int]]] = collections.defaultdict(list)
        for group, message in sends:
            if not members[group]:
                continue
            shards, payloads, capacities = self._map_channel_keys_to_connection(
                members[group], message)
            for index, keys in shards.items():
                entries[index].extend((key, payloads[key], capacities[key]) for key in keys)
        for index, queued in entries.items():
            pipe = self.connection(index).pipeline(transaction=False)
            stale = int(time.time()) - int(self.expiry)
            for key in dict.fromkeys(key for key, _payload, _capacity in queued):
                pipe.zremrangebyscore(key, min=0, max=stale)
            pipe.eval(_SEND_SCRIPT, len(queued), *(key for key, _p, _c in queued),
                      *(payload for _k, payload, _c in queued),
                      *(capacity for _k, _p, capacity in queued),
                      *(self._score() for _entry in queued), self.expiry)
            await pipe.execute()

    # --- receiving ------------------------------------------------------------------------
    async def receive_single(self, channel: str) -> tuple[Any, dict[str, Any]]:
        """The next message for ``channel``: from those taken already, or block until some
        are waiting and take up to RECEIVE_BATCH of them in one round trip.

        Only for this process's own channel (``…!``): channels_redis's in-flight queue
        lets another process pick up a shared channel's messages after a crash, and no
        other process ever reads this one, so here messages go straight from Redis into
        this process's memory (a receive cancelled meanwhile finds them there).
        Shared channels take channels_redis's own path.
        """
        assert self.require_valid_channel_name(channel, receive=True), "Channel name invalid"
        if "!" not in channel:
            result: tuple[Any, dict[str, Any]] = await super().receive_single(channel)
            return result
        channel_key = self.prefix + channel
        taken = self._taken.get(channel_key)
        if not taken:
            taken = self._taken[channel_key] = collections.deque(
                await self._take(self.consistent_hash(channel), channel_key))
        message: dict[str, Any] = self.deserialize(taken.popleft())
        target: Any = channel
        if "__asgi_channel__" in message:
            target = message.pop("__asgi_channel__")
        return target, message

    async def _take(self, index: int, channel_key: str) -> list[bytes]:
        connection = self.connection(index)
        while True:
            if self._bzmpop:
                try:  # Redis 7: block, then up to RECEIVE_BATCH at once, oldest first
                    reply = await connection.execute_command(
                        "BZMPOP", self.brpop_timeout, 1, channel_key, "MIN", "COUNT",
                        RECEIVE_BATCH)
                except ResponseError as exc:
                    if "unknown command" not in str(exc).lower():
                        raise
                    self._bzmpop = False  # Redis 5 or 6
                    continue
                if reply:
                    return [member for member, _score in reply[1]]
            else:
                waiting = await connection.zpopmin(channel_key, RECEIVE_BATCH)
                if waiting:
                    return [member for member, _score in waiting]
                popped = await connection.bzpopmin(channel_key, timeout=self.brpop_timeout)
                if popped:
                    return [popped[1]]
