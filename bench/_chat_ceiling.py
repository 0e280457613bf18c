"""The ceiling for bench/chat_bench.py: a bare Django Channels fan-out, no persistence.

With ``KEFU_BENCH_STOCK_LAYER=1`` it runs on the stock class of that layer instead
(Channels' ``InMemoryChannelLayer`` or channels_redis's ``RedisChannelLayer``, same
configuration): the fan-out exactly as Channels ships it, without Kefu's layer work.

It speaks just enough of the chat protocol for the same load generator and reference
clients: ``hello`` (joins the conversation's group), ``subscribe``, ``send`` (an ``ack``
with an in-memory sequence number, then a ``message`` to the group), ``ping``. No tokens,
no database, no replay: what Channels and uvicorn cost on their own. It runs on Kefu's
channel layer (``CHANNEL_LAYERS`` from Kefu's settings, in-memory or Redis) with the same
process tuning (garbage collector, no database clean-up hop per event), so the
difference to Kefu is what Kefu adds: the database write, tokens, replay.

    uvicorn bench._chat_ceiling:application
"""

from __future__ import annotations

import itertools
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.embedded")
django.setup()

from channels.consumer import get_handler_name  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from kefu.config.heap import settle_heap  # noqa: E402

STOCK_LAYERS = {
    "kefu.chat.layers.InMemoryChannelLayer": "channels.layers.InMemoryChannelLayer",
    "kefu.chat.layers.RedisChannelLayer": "channels_redis.core.RedisChannelLayer",
}
if os.environ.get("KEFU_BENCH_STOCK_LAYER"):
    from django.conf import settings

    # Read when the first consumer asks for its layer, i.e. after this.
    layer = settings.CHANNEL_LAYERS["default"]
    layer["BACKEND"] = STOCK_LAYERS[layer["BACKEND"]]

_sequences: defaultdict[str, Iterator[int]] = defaultdict(lambda: itertools.count(1))


def _group(conversation: str) -> str:
    return f"bench.{conversation}"


class FanOut(AsyncWebsocketConsumer):  # type: ignore[misc]
    conversation: str | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # As Kefu's consumers do: without Channels' close_old_connections hop to a thread
        # before every handler (there is no database here at all).
        handler = getattr(self, get_handler_name(message))
        await handler(message)

    async def _join(self, conversation: str) -> None:
        await self.channel_layer.group_add(_group(conversation), self.channel_name)
        await self._out({"type": "welcome", "conversation": conversation, "last_seq": 0,
                         "status": "open"})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data or "{}")
        kind = frame.get("type")
        if kind == "hello":
            self.conversation = frame.get("conversation")
            if self.conversation:
                await self._join(self.conversation)
            else:
                await self._out({"type": "welcome", "conversation": None, "last_seq": 0,
                                 "status": None})
        elif kind == "subscribe":
            await self._join(frame["conversation"])
        elif kind == "send":
            conversation = frame.get("conversation") or self.conversation
            seq = next(_sequences[conversation])
            await self._out({"type": "ack", "conversation": conversation,
                             "client_msg_id": frame["client_msg_id"], "seq": seq})
            await self.channel_layer.group_send(_group(conversation), {
                "type": "fan.out",
                "frame": {"type": "message", "conversation": conversation, "seq": seq,
                          "kind": "customer", "author": {"role": "customer", "name": ""},
                          "body": frame["body"], "created_at": ""},
            })
        elif kind == "ping":
            await self._out({"type": "pong"})

    async def fan_out(self, event: dict[str, Any]) -> None:
        await self._out(event["frame"])

    async def _out(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))


application = ProtocolTypeRouter({"websocket": URLRouter([re_path(r"^ws/", FanOut.as_asgi())])})

# The same process tuning as Kefu's server (kefu/config/asgi.py): the comparison is about
# persistence and protocol, not about garbage-collector pauses.
settle_heap()
