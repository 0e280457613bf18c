"""A burst through a small channel-layer capacity, and the reference client's reconnects."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, channel_layers

from kefu.desk.models import Message
from kefu.desk.services.messages import message_post
from tests.chat.conftest import Chat, Conn, agent_cookie, client_for, run

BURST = 500


class CountingInMemoryChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """Channels' in-memory layer, counting the messages it drops for a full queue, whose
    consumers read nothing until ``gate`` opens (a stalled client, a busy process): every
    doorbell of the burst is queued before any is taken, so the queue must overflow,
    however fast or slow the machine writes."""

    dropped = 0
    gate: asyncio.Event | None = None

    async def receive(self, channel: str) -> dict[str, Any]:
        if self.gate is not None:
            await self.gate.wait()
        message: dict[str, Any] = await super().receive(channel)
        return message

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await super().send(channel, message)
        except ChannelFull:
            CountingInMemoryChannelLayer.dropped += 1
            raise  # group_send swallows it: the drop stays silent, as in production


def test_a_burst_arrives_exactly_once_in_order_although_doorbells_are_dropped(
    chat: Chat, settings: Any
) -> None:
    settings.KEFU_CHAT_RATE = 10 * BURST
    # The smallest capacity Kefu allows, and (in memory) a listener slower than the writer:
    # its queue overflows and the layer drops doorbells silently — the database log must
    # make up for every one of them.
    in_memory = settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
    # A new dict: the settings fixture restores the attribute, not a dict changed in place.
    layers = {alias: {**layer, "CONFIG": {**layer.get("CONFIG", {}), "capacity": 100}}
              for alias, layer in settings.CHANNEL_LAYERS.items()}
    if in_memory:  # count the drops, to be sure this test tests what it says
        layers["default"]["BACKEND"] = f"{__name__}.{CountingInMemoryChannelLayer.__name__}"
        CountingInMemoryChannelLayer.dropped = 0
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        if in_memory:
            CountingInMemoryChannelLayer.gate = asyncio.Event()
        listener = await Conn("/ws/desk/", cookie=cookie).open()
        await listener.send({"type": "subscribe", "conversation": str(conversation.public_id)})
        await listener.recv_type("welcome")
        sender = await Conn().open()
        await sender.hello(chat.token, conversation=str(conversation.public_id))
        for n in range(BURST):  # no waiting for acks: as fast as the socket takes them
            await sender.send({"type": "send", "client_msg_id": f"b{n}", "body": f"#{n}"})
        acks: list[int] = []
        while len(acks) < BURST:
            frame = await sender.recv(30)
            if frame["type"] == "ack":
                acks.append(frame["seq"])
        assert acks == list(range(1, BURST + 1))
        if CountingInMemoryChannelLayer.gate is not None:
            CountingInMemoryChannelLayer.gate.set()  # every doorbell is queued (or dropped)
        received: list[tuple[int, str]] = []
        while len(received) < BURST:
            frame = await listener.recv(30)
            if frame["type"] == "message":
                received.append((frame["seq"], frame["body"]))
        assert received == [(n + 1, f"#{n}") for n in range(BURST)]
        await sender.close()
        await listener.close()

    try:
        run(scenario)
    finally:
        CountingInMemoryChannelLayer.gate = None
    assert Message.objects.filter(conversation=conversation).count() == BURST
    if in_memory:
        assert CountingInMemoryChannelLayer.dropped > 0, "no doorbell was dropped"


def test_the_reference_client_resends_pending_and_resumes_after_drops(chat: Chat) -> None:
    conversation = chat.conversation()
    post = database_sync_to_async(message_post)

    async def scenario() -> None:
        client = client_for(chat.token, conversation=str(conversation.public_id))
        await client.start()
        assert await client.send("one", client_msg_id="c1") == 1
        await client.wait_for_seq(1)
        await client.drop_connection()
        # While it is away: an agent answers, and the client queues a message.
        await post(conversation_id=conversation.pk, kind="agent", body="two",
                   author_user=chat.agent)
        assert await client.send("three", client_msg_id="c3") == 3
        await client.wait_for_seq(3)
        # A message whose ack was lost is sent again on reconnect and stored once.
        assert await client.send("one", client_msg_id="c1") == 1
        await client.close()
        assert client.bodies == ["one", "two", "three"]
        assert client.duplicates == 0
        assert client.connections >= 2

    run(scenario)
    assert Message.objects.filter(conversation=conversation).count() == 3


def test_a_visitor_gets_a_token_and_keeps_her_conversation(chat: Chat) -> None:
    async def scenario() -> None:
        client = client_for(None)
        await client.start()
        assert client.token
        assert await client.send("我被锁定了") == 1
        await client.wait_for_seq(1)
        first_conversation = client.conversation
        await client.close()
        again = client_for(client.token)
        await again.start()
        assert again.conversation == first_conversation
        await again.wait_for_seq(1)
        assert again.bodies == ["我被锁定了"]
        await again.close()

    run(scenario)


def test_listeners_converge_even_with_no_doorbells_at_all(chat: Chat, monkeypatch: Any) -> None:
    from kefu.desk import events

    monkeypatch.setattr(events, "_doorbell", lambda *a, **k: [])
    conversation = chat.conversation()

    async def scenario() -> None:
        reader = client_for(chat.token, conversation=str(conversation.public_id))
        await reader.start()
        for n in range(5):
            await database_sync_to_async(message_post)(
                conversation_id=conversation.pk, kind="agent", body=f"a{n}",
                author_user=chat.agent)
        await reader.drop_connection()  # a reconnect's hello replays from last_seq
        await reader.wait_for_seq(5)
        await asyncio.sleep(0.1)
        assert reader.bodies == [f"a{n}" for n in range(5)]
        assert reader.duplicates == 0
        await reader.close()

    run(scenario)
