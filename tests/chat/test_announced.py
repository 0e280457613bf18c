"""The doorbell shortcut: a new message shown from its announcement instead of the log.

It may only ever produce what the log read would have produced, for the next message in
sequence, to a connection whose access is current.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from channels.db import database_sync_to_async

from kefu.chat.selectors import announced_frame, messages_after
from kefu.desk import events
from kefu.desk.models import Conversation, Message, MessageKind
from kefu.desk.services.assignment import conversation_transfer
from kefu.desk.services.messages import message_announcement, message_post
from tests.chat.conftest import Chat, Conn, agent_cookie, run


@database_sync_to_async
def customer_writes(conversation: Conversation, body: str, *, ring: bool = True) -> int:
    """Post as the customer; ``ring=False`` loses the write's doorbells (a full layer)."""
    def post() -> Message:
        return message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER,
                            body=body, author_customer=conversation.customer).message
    if ring:
        return post().seq
    with mock.patch.object(events, "get_channel_layer", return_value=None):
        return post().seq


@database_sync_to_async
def transfer(conversation: Conversation, team_id: int) -> None:
    conversation_transfer(conversation_id=conversation.pk, team_id=team_id, actor=None)


async def following(cookie: bytes, conversation: Conversation) -> Conn:
    """An agent's connection subscribed to ``conversation`` (its welcome consumed)."""
    agent = await Conn("/ws/desk/", cookie=cookie).open()
    await agent.send({"type": "subscribe", "conversation": str(conversation.public_id)})
    assert (await agent.recv())["type"] == "welcome"
    return agent


async def messages(conn: Conn, count: int) -> list[dict[str, Any]]:
    return [await conn.recv_type("message") for _ in range(count)]


async def no_message(conn: Conn, seconds: float = 0.6) -> bool:
    """Nothing but other frames (status, ping) for ``seconds``."""
    try:
        while True:
            frame = await conn.recv(seconds)
            if frame["type"] == "message":
                return False
    except TimeoutError:
        return True


@pytest.mark.django_db
def test_an_announced_frame_is_the_frame_the_log_gives(chat: Chat) -> None:
    conversation = chat.conversation()
    posted = [
        message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER,
                     body="我的提币没有到账", author_customer=chat.customer),
        message_post(conversation_id=conversation.pk, kind=MessageKind.AGENT,
                     body="Please send the hash", author_user=chat.agent),
        message_post(conversation_id=conversation.pk, kind=MessageKind.NOTE,
                     body="checked the chain", author_user=chat.agent),
        message_post(conversation_id=conversation.pk, kind=MessageKind.SYSTEM,
                     body="conversation reopened"),
    ]
    public_id = str(conversation.public_id)
    from_log = messages_after(conversation_id=conversation.pk, public_id=public_id,
                              after_seq=0, include_notes=True)
    for result, logged in zip(posted, from_log, strict=True):
        message = result.message
        assert announced_frame(public_id, message.seq, message.kind,
                               message_announcement(message, files=False)) == logged
    assert [f["author"]["role"] for f in from_log] == ["customer", "agent", "agent", "system"]


def test_a_gap_is_filled_from_the_log_in_order(chat: Chat) -> None:
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        agent = await following(cookie, conversation)
        await customer_writes(conversation, "first, its doorbell lost", ring=False)
        await customer_writes(conversation, "second")
        got = await messages(agent, 2)
        assert [(f["seq"], f["body"]) for f in got] == [
            (1, "first, its doorbell lost"), (2, "second")]
        await agent.close()

    run(scenario)


def test_a_conversation_moved_out_of_sight_stops_streaming_at_once(chat: Chat) -> None:
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        agent = await following(cookie, conversation)
        await customer_writes(conversation, "visible")
        assert (await agent.recv_type("message"))["body"] == "visible"

        await transfer(conversation, chat.vip.pk)  # Alice is not in the VIP team
        await customer_writes(conversation, "for the VIP team only")
        assert await no_message(agent)

        await transfer(conversation, chat.support.pk)  # back: what she missed, in order
        await customer_writes(conversation, "visible again")
        got = await messages(agent, 2)
        assert [f["body"] for f in got] == ["for the VIP team only", "visible again"]
        await agent.close()

    run(scenario)


def test_a_deactivated_agent_is_closed_at_the_next_heartbeat(chat: Chat, settings: Any) -> None:
    settings.KEFU_CHAT_HEARTBEAT_SECONDS = 1
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    @database_sync_to_async
    def deactivate() -> None:
        type(chat.agent).objects.filter(pk=chat.agent.pk).update(is_active=False)

    async def scenario() -> None:
        agent = await following(cookie, conversation)
        await deactivate()
        frames = []
        while (frame := await agent.recv(3))["type"] != "__closed__":
            frames.append(frame)
        assert frame["code"] == 4403
        assert frames[-1]["code"] == "forbidden"
        assert not any(f["type"] == "message" for f in frames)

    run(scenario)
