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
