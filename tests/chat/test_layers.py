"""The single-process channel layer: Channels' in-memory layer, swept once a second."""

from __future__ import annotations

import asyncio

import time_machine
from django.conf import settings

from kefu.chat.layers import SWEEP_SECONDS, InMemoryChannelLayer


def test_it_is_the_layer_of_an_install_without_redis() -> None:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert backend in ("kefu.chat.layers.InMemoryChannelLayer",
                       "kefu.chat.layers.RedisChannelLayer")


def test_expired_messages_and_memberships_still_go_at_most_a_second_late() -> None:
    async def scenario() -> None:
        layer = InMemoryChannelLayer(expiry=60)
        with time_machine.travel("2026-11-25 10:00:00 +00:00", tick=False) as clock:
            await layer.group_add("conv.1", "stuck")
            await layer.group_add("conv.2", "other")
            await layer.send("stuck", {"type": "desk.event"})  # never read: expires at +60 s
            clock.shift(59.5)
            await layer.group_send("conv.2", {"type": "desk.event"})  # a sweep: none expired
            clock.shift(0.7)  # expired now, but the last sweep was 0.7 s ago
            await layer.group_send("conv.2", {"type": "desk.event"})
            assert "stuck" in layer.groups["conv.1"]
            clock.shift(SWEEP_SECONDS)
            await layer.group_send("conv.2", {"type": "desk.event"})
            assert "stuck" not in layer.groups.get("conv.1", {})
            assert "stuck" not in layer.channels
            assert layer.channels["other"].qsize() == 3

    asyncio.run(scenario())


def test_group_send_reaches_every_member_in_order_and_a_full_queue_drops_for_it_alone() -> None:
    async def scenario() -> None:
        layer = InMemoryChannelLayer(expiry=60, capacity=2)
        for channel in ("a", "b", "full"):
            await layer.group_add("conv.1", channel)
        await layer.group_add("conv.2", "b")
        await layer.send("full", {"type": "x", "n": -2})
        await layer.send("full", {"type": "x", "n": -1})  # at capacity now
        await layer.group_send_many([("conv.1", {"type": "x", "n": 1}),
                                     ("conv.2", {"type": "x", "n": 2})])
        assert [await layer.receive("a")] == [{"type": "x", "n": 1}]
        assert [await layer.receive("b"), await layer.receive("b")] == [
            {"type": "x", "n": 1}, {"type": "x", "n": 2}]
        assert [(await layer.receive("full"))["n"] for _ in range(2)] == [-2, -1]
        assert "full" not in layer.channels  # the group's message was dropped for it alone
        sent = {"type": "x", "nested": {"n": 3}}
        await layer.group_send("conv.2", sent)
        sent["nested"]["n"] = 4  # the sender's dict is its own again after the send
        assert await layer.receive("b") == {"type": "x", "nested": {"n": 3}}

    asyncio.run(scenario())
