"""The customer protocol: send/ack/seq, idempotency, replay, doorbell loss, heartbeats."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from kefu.desk import events
from kefu.desk.models import Conversation, Message
from kefu.desk.services.messages import message_post
from tests.chat.conftest import Chat, Conn, run


def test_send_opens_a_conversation_and_acks_with_seq(chat: Chat) -> None:
    async def scenario() -> None:
        c = await Conn().open()
        welcome = await c.hello(chat.token)
        assert welcome == {"type": "welcome", "conversation": None, "last_seq": 0,
                           "status": None}
        await c.send({"type": "send", "client_msg_id": "m1", "body": "提现没到账"})
        ack = await c.recv()
        assert ack["type"] == "ack"
        assert ack["client_msg_id"] == "m1"
        assert ack["seq"] == 1
        welcome = await c.recv()
        assert welcome["type"] == "welcome"
        assert welcome["conversation"] == ack["conversation"]
        message = await c.recv_type("message")
        assert (message["seq"], message["body"], message["author"]["role"]) == (
            1, "提现没到账", "customer")
        await c.send({"type": "send", "client_msg_id": "m2", "body": "second"})
        assert (await c.recv_type("ack"))["seq"] == 2
        assert (await c.recv_type("message"))["seq"] == 2
        await c.close()

    run(scenario)
    conversation = Conversation.objects.get(customer=chat.customer)
    assert conversation.channel == "web"
    assert list(conversation.messages.values_list("seq", "body")) == [
        (1, "提现没到账"), (2, "second")]


def test_same_client_msg_id_is_acked_again_and_stored_once(chat: Chat) -> None:
    conversation = chat.conversation()

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        frame = {"type": "send", "client_msg_id": "same", "body": "hello"}
        await c.send(frame)
        first = await c.recv_type("ack")
        await c.send(frame)
        second = await c.recv_type("ack")
        assert first == second
        await c.close()
        # A new connection (a retry after a drop) gets the same answer too.
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id), last_seq=1)
        await c.send(frame)
        assert await c.recv_type("ack") == first
        await c.close()

    run(scenario)
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_hello_with_last_seq_replays_only_what_was_missed_in_order(chat: Chat) -> None:
    conversation = chat.conversation()
    for n in range(1, 6):
        message_post(conversation_id=conversation.pk, kind="customer", body=f"m{n}",
                     author_customer=chat.customer)
    message_post(conversation_id=conversation.pk, kind="note", body="internal only",
                 author_user=chat.agent)

    async def scenario() -> None:
        c = await Conn().open()
        welcome = await c.hello(chat.token, conversation=str(conversation.public_id),
                                last_seq=2)
        assert welcome["last_seq"] == 6
        replay = [await c.recv() for _ in range(3)]
        assert [(f["type"], f["seq"], f["body"]) for f in replay] == [
            ("message", 3, "m3"), ("message", 4, "m4"), ("message", 5, "m5")]
        assert await c.nothing()  # the private note (seq 6) never reaches a customer
        await c.close()

    run(scenario)


def test_without_conversation_hello_resumes_the_active_one(chat: Chat) -> None:
    conversation = chat.conversation()
    message_post(conversation_id=conversation.pk, kind="customer", body="earlier",
                 author_customer=chat.customer)

    async def scenario() -> None:
        c = await Conn().open()
        welcome = await c.hello(chat.token)
        assert welcome["conversation"] == str(conversation.public_id)
        assert (await c.recv())["body"] == "earlier"
        await c.close()

    run(scenario)


def test_a_lost_doorbell_is_made_good_by_the_next_one(chat: Chat, monkeypatch:
                                                      pytest.MonkeyPatch) -> None:
    conversation = chat.conversation()
    post = database_sync_to_async(message_post)
    real_doorbell = events._doorbell

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        await c.settled()  # the welcome's replay is over: only a doorbell could bring news
        monkeypatch.setattr(events, "_doorbell", lambda *a, **k: [])
        await post(conversation_id=conversation.pk, kind="agent", body="lost bell",
                   author_user=chat.agent)
        assert await c.nothing(0.3)
        monkeypatch.setattr(events, "_doorbell", real_doorbell)
        await post(conversation_id=conversation.pk, kind="agent", body="next",
                   author_user=chat.agent)
        got = [await c.recv_type("message"), await c.recv_type("message")]
        assert [(f["seq"], f["body"]) for f in got] == [(1, "lost bell"), (2, "next")]
        assert got[0]["author"] == {"role": "agent", "name": "Alice"}
        assert await c.nothing(0.3)  # and nothing twice
        await c.close()

    run(scenario)


def test_a_lost_doorbell_is_made_good_by_a_ping(chat: Chat, monkeypatch:
                                                pytest.MonkeyPatch) -> None:
    conversation = chat.conversation()
    monkeypatch.setattr(events, "_doorbell", lambda *a, **k: [])  # no doorbells at all

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        await c.settled()  # the welcome's replay is over: only a doorbell could bring news
        await database_sync_to_async(message_post)(
            conversation_id=conversation.pk, kind="agent", body="quiet", author_user=chat.agent)
        early = await c.frames_for(0.3)
        assert not [f for f in early if f["type"] == "message"], early  # no doorbell, no news
        await c.send({"type": "ping"})
        assert (await c.recv_type("pong"))["type"] == "pong"
        assert (await c.recv_type("message"))["body"] == "quiet"
        await c.close()

    run(scenario)


def test_server_pings_and_closes_silent_connections(chat: Chat, settings: object) -> None:
    settings.KEFU_CHAT_HEARTBEAT_SECONDS = 1  # type: ignore[attr-defined]

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token)
        assert (await c.recv(3))["type"] == "ping"
        await c.send({"type": "pong"})  # alive: one more second of grace
        frames = []
        while (frame := await c.recv(5))["type"] != "__closed__":
            frames.append(frame["type"])
        assert frame["code"] == 4408
        assert frames[-1] == "error"

    run(scenario)


def test_typing_and_read_reach_the_agent_not_the_customer_herself(chat: Chat) -> None:
    from tests.chat.conftest import agent_cookie

    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        customer = await Conn().open()
        await customer.hello(chat.token, conversation=str(conversation.public_id))
        agent = await Conn("/ws/desk/", cookie=cookie).open()
        await agent.send({"type": "subscribe", "conversation": str(conversation.public_id)})
        assert (await agent.recv())["type"] == "welcome"
        await customer.send({"type": "typing", "on": True})
        typing = await agent.recv()
        assert typing == {"type": "typing", "role": "customer", "name": "", "on": True,
                          "conversation": str(conversation.public_id)}
        assert await customer.nothing()
        await agent.send({"type": "typing", "conversation": str(conversation.public_id),
                          "on": True})
        assert (await customer.recv())["name"] == "Alice"
        await customer.close()
        await agent.close()

    run(scenario)


def test_many_connections_of_one_customer_all_converge(chat: Chat) -> None:
    conversation = chat.conversation()

    async def scenario() -> None:
        tabs = [await Conn().open() for _ in range(3)]
        for tab in tabs:
            await tab.hello(chat.token, conversation=str(conversation.public_id))
        for n in range(5):
            await tabs[n % 3].send({"type": "send", "client_msg_id": f"t{n}", "body": f"b{n}"})
        for tab in tabs:
            seqs = []
            while len(seqs) < 5:
                frame = await tab.recv()
                if frame["type"] == "message":
                    seqs.append(frame["seq"])
            assert seqs == [1, 2, 3, 4, 5]
            await tab.close()

    run(scenario)
    assert asyncio.iscoroutinefunction(scenario)
