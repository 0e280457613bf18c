"""``/ws/desk/``: only agents past TOTP, only conversations they can see; round trips."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kefu.desk.models import Conversation, Message
from tests.chat.conftest import Chat, Conn, agent_cookie, run


@pytest.mark.parametrize("who", ["anonymous", "stranger", "no_totp", "bad_origin"])
def test_outsiders_are_closed_with_4403(chat: Chat, who: str) -> None:
    cookie = None
    origin = "http://127.0.0.1:8000"
    if who == "stranger":
        cookie = agent_cookie(User.objects.create_user("mallory", password="pw-mallory"))
    elif who == "no_totp":
        cookie = agent_cookie(chat.agent, totp=False)
    elif who == "bad_origin":
        cookie = agent_cookie(chat.agent)
        origin = "https://evil.example"

    async def scenario() -> None:
        c = await Conn("/ws/desk/", cookie=cookie, origin=origin).open()
        error = await c.recv()
        assert error["code"] == ("origin_not_allowed" if who == "bad_origin" else "forbidden")
        assert (await c.recv())["code"] == 4403

    run(scenario)


def test_an_agent_cannot_follow_or_write_to_another_teams_conversation(chat: Chat) -> None:
    vip_conversation = chat.conversation(team=chat.vip)
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        c = await Conn("/ws/desk/", cookie=cookie).open()
        public_id = str(vip_conversation.public_id)
        await c.send({"type": "subscribe", "conversation": public_id})
        assert (await c.recv())["code"] == "not_found"
        await c.send({"type": "send", "conversation": public_id, "client_msg_id": "r1",
                      "body": "hi"})
        assert (await c.recv())["code"] == "not_found"
        await c.close()

    run(scenario)
    assert not Message.objects.filter(conversation=vip_conversation).exists()


def test_customer_and_agent_round_trip(chat: Chat) -> None:
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        customer = await Conn().open()
        await customer.hello(chat.token)
        await customer.send({"type": "send", "client_msg_id": "c1", "body": "我的提现失败了"})
        public_id = (await customer.recv_type("ack"))["conversation"]
        assert (await customer.recv_type("message"))["seq"] == 1  # her own, echoed

        agent = await Conn("/ws/desk/", cookie=cookie).open()
        await agent.send({"type": "subscribe", "conversation": public_id, "last_seq": 0})
        assert (await agent.recv())["type"] == "welcome"
        first = await agent.recv_type("message")
        assert (first["seq"], first["author"]) == (1, {"role": "customer", "name": "Zhang San"})

        await agent.send({"type": "send", "conversation": public_id, "client_msg_id": "a1",
                          "body": "请提供交易哈希"})
        assert (await agent.recv_type("ack"))["seq"] == 2
        reply = await customer.recv_type("message")
        assert (reply["seq"], reply["body"], reply["author"]["role"]) == (
            2, "请提供交易哈希", "agent")

        await agent.send({"type": "send", "conversation": public_id, "client_msg_id": "n1",
                          "body": "check the chain", "note": True})
        assert (await agent.recv_type("ack"))["seq"] == 3
        assert (await agent.recv_type("message"))["kind"] == "note"

        await customer.send({"type": "send", "client_msg_id": "c2", "body": "0xabc"})
        assert (await customer.recv_type("message"))["seq"] == 4  # the note was skipped
        assert (await agent.recv_type("message"))["seq"] == 4
        await agent.send({"type": "read", "conversation": public_id, "seq": 4})
        read = await customer.recv_type("read")
        assert (read["role"], read["seq"]) == ("agent", 4)
        await customer.close()
        await agent.close()

    run(scenario)
    conversation = Conversation.objects.get(customer=chat.customer)
    assert conversation.assignee_id == chat.agent.pk  # replying took it, as in the console
    assert conversation.agent_read_seq == 4


def test_agent_resend_is_stored_once_and_status_changes_are_streamed(chat: Chat) -> None:
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        agent = await Conn("/ws/desk/", cookie=cookie).open()
        await agent.send({"type": "subscribe", "conversation": str(conversation.public_id)})
        await agent.recv_type("welcome")
        frame = {"type": "send", "conversation": str(conversation.public_id),
                 "client_msg_id": "dup", "body": "once"}
        await agent.send(frame)
        first = await agent.recv_type("ack")
        await agent.send(frame)
        seen = []
        while (next_frame := await agent.recv())["type"] != "ack":
            seen.append(next_frame)
        assert next_frame == first
        status = [f for f in seen if f["type"] == "status"]
        assert status
        assert status[0]["conversation"] == str(conversation.public_id)
        assert "assignee_id" in status[0]["fields"]  # the reply took the conversation
        await agent.close()

    run(scenario)
    assert Message.objects.filter(conversation=conversation).count() == 1
