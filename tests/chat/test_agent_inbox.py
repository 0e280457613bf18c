"""The agent inbox stream (``watch``) and typing while writing a private note."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from kefu.desk.models import Conversation, MessageKind
from kefu.desk.services.assignment import conversation_transfer
from kefu.desk.services.conversations import conversation_set_category
from kefu.desk.services.messages import message_post
from tests.chat.conftest import Chat, Conn, agent_cookie, run
from tests.desk.conftest import make_agent


@database_sync_to_async
def customer_writes(conversation: Conversation, body: str, client_msg_id: str) -> None:
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER, body=body,
                 author_customer=conversation.customer, client_msg_id=client_msg_id)


@database_sync_to_async
def set_category(conversation: Conversation, category: str) -> None:
    conversation_set_category(conversation_id=conversation.pk, category=category, actor=None)


@database_sync_to_async
def transfer(conversation: Conversation, team_id: int) -> None:
    conversation_transfer(conversation_id=conversation.pk, team_id=team_id, actor=None)


async def watcher(cookie: bytes) -> Conn:
    conn = await Conn("/ws/desk/", cookie=cookie).open()
    await conn.send({"type": "watch", "inbox": True})
    assert await conn.recv() == {"type": "watching", "inbox": True}
    return conn


async def inbox_frames(conn: Conn, until_id: int,
                       event: str = "message.created") -> list[dict[str, Any]]:
    """Inbox frames up to and including ``event`` of conversation ``until_id``."""
    seen = []
    while True:
        frame = await conn.recv_type("inbox")
        seen.append(frame)
        if (frame.get("id"), frame["event"]) == (until_id, event):
            return seen


async def drain(conn: Conn, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Every frame until the connection has been quiet for ``quiet`` seconds."""
    frames = []
    while True:
        try:
            frames.append(await conn.recv(quiet))
        except TimeoutError:
            return frames


def test_inbox_frames_only_for_conversations_the_agent_may_see(chat: Chat) -> None:
    ours = chat.conversation()
    theirs = chat.conversation(customer=chat.other, team=chat.vip)
    alice_cookie, victor_cookie = agent_cookie(chat.agent), agent_cookie(chat.outsider)

    async def scenario() -> None:
        alice = await watcher(alice_cookie)
        victor = await watcher(victor_cookie)
        await customer_writes(theirs, "vip secret", "c-vip")
        await customer_writes(ours, "我的提现失败了", "c-ours")

        frames = await inbox_frames(alice, ours.pk)
        # Alice hears nothing of the VIP team's conversation, not even that it moved.
        assert {f["id"] for f in frames} == {ours.pk}
        created = [f for f in frames if f["event"] == "message.created"]
        assert created[0] | {"team": None} == {
            "type": "inbox", "event": "message.created", "conversation": str(ours.public_id),
            "id": ours.pk, "status": "open", "assignee": None, "team": None,
            "seq": 1, "kind": "customer",
        }
        assert created[0]["team"]["slug"] == "support"
        assert all("vip secret" not in str(f) for f in frames)  # doorbells carry no text

        victor_frames = await inbox_frames(victor, theirs.pk)
        assert {f["id"] for f in victor_frames} == {theirs.pk}
        late = [f for f in await drain(alice, 0.2) if f["type"] != "ping"]
        assert all(f.get("id") == ours.pk for f in late), late  # still nothing of theirs
        await alice.close()
        await victor.close()

    run(scenario)


def test_a_conversation_moved_out_of_sight_is_announced_once_then_silent(chat: Chat) -> None:
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        alice = await watcher(cookie)
        await customer_writes(conversation, "hello", "c1")
        await inbox_frames(alice, conversation.pk)
        await drain(alice)
        await transfer(conversation, chat.vip.pk)
        hidden = await alice.recv_type("inbox")
        assert hidden == {"type": "inbox", "conversation": str(conversation.public_id),
                          "id": conversation.pk, "event": "conversation.hidden"}
        await customer_writes(conversation, "still there?", "c2")
        assert await alice.nothing(0.5)
        await alice.close()

    run(scenario)


def test_watching_and_following_the_same_conversation_gives_each_frame_once(chat: Chat) -> None:
    conversation = chat.conversation()
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        alice = await watcher(cookie)
        await alice.send({"type": "subscribe", "conversation": str(conversation.public_id)})
        await alice.recv_type("welcome")
        await customer_writes(conversation, "hello", "c1")
        frames = await drain(alice)
        kinds = [(f["type"], f.get("event")) for f in frames]
        assert kinds.count(("message", None)) == 1
        assert kinds.count(("inbox", "message.created")) == 1
        # The message's own bookkeeping rings no conversation.updated of its own.
        assert ("status", "conversation.updated") not in kinds
        await set_category(conversation, "withdrawal")
        frames = await drain(alice)
        kinds = [(f["type"], f.get("event")) for f in frames]
        assert kinds.count(("status", "conversation.updated")) == 1
        assert kinds.count(("inbox", "conversation.updated")) == 1
        await alice.send({"type": "watch", "inbox": False})
        assert await alice.recv() == {"type": "watching", "inbox": False}
        await alice.close()

    run(scenario)


def test_a_bad_watch_frame_gets_a_clear_error(chat: Chat) -> None:
    cookie = agent_cookie(chat.agent)

    async def scenario() -> None:
        alice = await Conn("/ws/desk/", cookie=cookie).open()
        await alice.send({"type": "watch", "inbox": "yes"})
        error = await alice.recv()
        assert (error["type"], error["code"], error["detail"]) == ("error", "bad_frame", "inbox")
        await alice.close()

    run(scenario)


def test_typing_a_private_note_never_reaches_the_customer(chat: Chat) -> None:
    carol = make_agent("carol", chat.support)  # a second agent of the same team
    cookies = [agent_cookie(chat.agent), agent_cookie(carol)]

    async def scenario() -> None:
        customer = await Conn().open()
        await customer.hello(chat.token)
        await customer.send({"type": "send", "client_msg_id": "c1", "body": "help"})
        public_id = (await customer.recv_type("ack"))["conversation"]
        await customer.recv_type("message")

        agents = []
        for cookie in cookies:
            conn = await Conn("/ws/desk/", cookie=cookie).open()
            await conn.send({"type": "subscribe", "conversation": public_id, "last_seq": 1})
            await conn.recv_type("welcome")
            agents.append(conn)
        alice, other = agents

        await alice.send({"type": "typing", "conversation": public_id, "on": True,
                          "note": True})
        seen = await other.recv_type("typing")
        assert (seen["on"], seen["note"], seen["role"]) == (True, True, "agent")
        assert not [f for f in await drain(customer) if f["type"] == "typing"]

        # A reply: the customer sees it; switching to a note stops it for the customer.
        await alice.send({"type": "typing", "conversation": public_id, "on": True})
        assert (await customer.recv_type("typing"))["on"] is True
        await alice.send({"type": "typing", "conversation": public_id, "on": True,
                          "note": True})
        stop = await customer.recv_type("typing")
        assert (stop["on"], "note" in stop) == (False, False)
        assert not [f for f in await drain(customer) if f["type"] == "typing"]
        assert (await other.recv_type("typing"))["on"] is True  # the reply's typing
        assert (await other.recv_type("typing"))["on"] is False  # ... stopped
        note = await other.recv_type("typing")
        assert (note["on"], note["note"]) == (True, True)
        for conn in (customer, alice, other):
            await conn.close()

    run(scenario)


def test_watchers_of_one_process_share_one_row_read_per_doorbell(chat: Chat) -> None:
    """Three agents who may see it and one who may not: one read, three frames."""
    from unittest import mock

    from kefu.chat.consumers import agent as agent_module

    conversation = chat.conversation()
    cookies = [agent_cookie(chat.agent),
               agent_cookie(make_agent("bob", chat.support)),
               agent_cookie(make_agent("sue", role="supervisor")),
               agent_cookie(chat.outsider)]
    real = agent_module.inbox_row
    reads: list[int] = []

    def counted(conversation_id: int) -> Any:
        reads.append(conversation_id)
        return real(conversation_id)

    async def scenario() -> None:
        conns = [await watcher(cookie) for cookie in cookies]
        with mock.patch.object(agent_module, "inbox_row", counted):
            await customer_writes(conversation, "hello", "c1")
            for conn in conns[:3]:
                frame = await conn.recv_type("inbox")
                assert (frame["id"], frame["event"]) == (conversation.pk, "message.created")
            assert await conns[3].nothing(0.5)  # the VIP agent: not hers to see
        assert reads == [conversation.pk]
        for conn in conns:
            await conn.close()

    run(scenario)
