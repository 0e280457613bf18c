"""Protocol additions: stored read state, attachments on frames, queue frames, edits,
and production refusing to start without the chat token secret."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async

from kefu.chat.client import SendRejected, upload_attachment
from kefu.desk.models import Attachment, Conversation
from kefu.desk.services.assignment import conversation_assign
from kefu.desk.services.attachments import attachment_upload
from kefu.desk.services.messages import message_edit, message_post
from tests.chat.conftest import Chat, Conn, agent_cookie, client_for, run
from tests.chat.test_attachments import MINIMAL_PDF, png
from tests.test_config import _manage


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Path) -> None:
    settings.KEFU_ATTACHMENT_ROOT = tmp_path / "attachments"


def _waiting(chat: Chat) -> Conversation:
    conversation = chat.conversation()
    message_post(conversation_id=conversation.pk, kind="customer", body="在吗",
                 author_customer=chat.customer)
    conversation.refresh_from_db()
    return conversation


async def _agent(conversation: Conversation, chat: Chat) -> Conn:
    agent = await Conn("/ws/desk/", cookie=await database_sync_to_async(agent_cookie)(
        chat.agent)).open()
    await agent.send({"type": "subscribe", "conversation": str(conversation.public_id),
                      "last_seq": conversation.last_seq})
    assert (await agent.recv_type("welcome"))["conversation"] == str(conversation.public_id)
    return agent


def test_customer_read_is_stored_forward_only_and_relayed(chat: Chat) -> None:
    conversation = _waiting(chat)
    for body in ("hello", "how can I help"):
        message_post(conversation_id=conversation.pk, kind="agent", body=body,
                     author_user=chat.agent)

    async def scenario() -> None:
        agent = await _agent(conversation, chat)
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        while (await c.recv_type("message"))["seq"] < 3:
            pass
        await c.send({"type": "read", "seq": 3})
        relay = await agent.recv_type("read")
        assert (relay["role"], relay["seq"]) == ("customer", 3)
        await c.send({"type": "read", "seq": 1})  # going back is ignored
        await c.send({"type": "ping"})
        await c.recv_type("pong")
        await c.close()
        await agent.close()

    run(scenario)
    conversation.refresh_from_db()
    assert (conversation.customer_read_seq, conversation.agent_read_seq) == (3, 3)


def test_send_with_attachments_and_frames_carry_them(chat: Chat) -> None:
    conversation = _waiting(chat)
    picture = attachment_upload(conversation=conversation, uploader_key=f"c:{chat.customer.pk}",
                                name="screen.png", data=png())
    document = attachment_upload(conversation=conversation,
                                 uploader_key=f"c:{chat.customer.pk}", name="s.pdf",
                                 data=MINIMAL_PDF)

    async def scenario() -> None:
        agent = await _agent(conversation, chat)
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id), last_seq=1)
        frame = {"type": "send", "client_msg_id": "f1", "body": "看图",
                 "attachments": [picture.pk, document.pk]}
        await c.send(frame)
        ack = await c.recv_type("ack")
        mine = await c.recv_type("message")
        assert mine["seq"] == ack["seq"] == 2
        assert [(a["id"], a["content_type"]) for a in mine["attachments"]] == [
            (picture.pk, "image/png"), (document.pk, "application/pdf")]
        assert mine["attachments"][0]["url"].startswith("/api/v1/chat/files/")
        assert mine["attachments"][1]["thumbnail_url"] is None
        theirs = await agent.recv_type("message")
        assert theirs["attachments"][0]["url"].endswith(
            f"/desk/c/{conversation.pk}/attachments/{picture.pk}/")
        await c.send(frame)  # a retry: the same ack, nothing bound twice
        assert (await c.recv_type("ack"))["seq"] == 2
        await c.send({"type": "send", "client_msg_id": "f2", "body": "again",
                      "attachments": [picture.pk]})
        error = await c.recv_type("error")
        assert (error["code"], error["client_msg_id"]) == ("attachment_unknown", "f2")
        await c.send({"type": "send", "client_msg_id": "f3", "body": "x",
                      "attachments": ["1"]})
        assert (await c.recv_type("error"))["code"] == "bad_frame"
        await c.close()
        await agent.close()

    run(scenario)
    assert conversation.messages.count() == 2
    assert set(Attachment.objects.values_list("message__seq", flat=True)) == {2}


def test_queue_frames_on_welcome_and_when_it_changes(chat: Chat) -> None:
    first = _waiting(chat)
    conversation = chat.conversation(customer=chat.other)
    message_post(conversation_id=conversation.pk, kind="customer", body="我也在等",
                 author_customer=chat.other)

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.other_token, conversation=str(conversation.public_id),
                      features=["queue"])
        queue = await c.recv_type("queue")
        assert (queue["conversation"], queue["position"]) == (str(conversation.public_id), 2)
        assert queue["wait_minutes"] >= 1
        await database_sync_to_async(conversation_assign)(
            conversation_id=conversation.pk, assignee=chat.agent, actor=chat.agent)
        queue = await c.recv_type("queue")
        assert (queue["position"], queue["wait_minutes"]) == (None, None)
        await c.close()
        # Without the feature, no queue frames (older clients see nothing new).
        old = await Conn().open()
        await old.hello(chat.token, conversation=str(first.public_id))
        await old.send({"type": "ping"})
        assert (await old.recv())["type"] == "message"
        assert (await old.recv())["type"] == "pong"
        await old.close()

    run(scenario)


def test_agent_edits_reach_the_customer_but_notes_do_not(chat: Chat) -> None:
    conversation = _waiting(chat)
    reply = message_post(conversation_id=conversation.pk, kind="agent", body="typo",
                         author_user=chat.agent).message
    note = message_post(conversation_id=conversation.pk, kind="note", body="secret",
                        author_user=chat.agent).message

    async def scenario() -> None:
        agent = await _agent(conversation, chat)
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        assert (await c.recv_type("message"))["seq"] == 1
        assert (await c.recv_type("message"))["body"] == "typo"
        await database_sync_to_async(message_edit)(message_id=note.pk, editor=chat.agent,
                                                   body="still secret")
        await database_sync_to_async(message_edit)(message_id=reply.pk, editor=chat.agent,
                                                   body="fixed")
        edited = await c.recv_type("edited")
        assert edited == {"type": "edited", "conversation": str(conversation.public_id),
                          "seq": 2, "body": "fixed", "revision": 1}
        seen = [await agent.recv_type("edited"), await agent.recv_type("edited")]
        assert {(e["seq"], e["body"]) for e in seen} == {(3, "still secret"), (2, "fixed")}
        await c.send({"type": "ping"})
        while (frame := await c.recv())["type"] != "pong":
            assert frame["type"] != "edited"
            assert "secret" not in str(frame)
        await c.close()
        # A late joiner gets the new text with its revision in the message frame itself.
        late = await Conn().open()
        await late.hello(chat.token, conversation=str(conversation.public_id), last_seq=1)
        again = await late.recv_type("message")
        assert (again["body"], again["revision"]) == ("fixed", 1)
        await late.close()
        await agent.close()

    run(scenario)


def test_production_refuses_to_start_without_the_chat_token_secret() -> None:
    key = "x7!Qp2#vLm9$Rt4&Wz8*Yb3^Nc6(Hd1)Jf5-Kg0+Sa2=Ue7~Ix4?Oq9"
    for secret in ("", "short"):
        result = _manage("check", DJANGO_SETTINGS_MODULE="kefu.config.settings.production",
                         KEFU_SECRET_KEY=key, KEFU_CHAT_TOKEN_SECRET=secret)
        assert result.returncode != 0
        assert "KEFU_CHAT_TOKEN_SECRET" in result.stderr


def test_reference_client_uploads_sends_and_follows_edits_and_queue(
    chat: Chat, live_server: Any
) -> None:
    conversation = _waiting(chat)

    async def scenario() -> None:
        client = client_for(chat.token, conversation=str(conversation.public_id),
                            features=("queue",))
        await client.start()
        await client.wait_for_seq(1)
        info = await asyncio.to_thread(
            upload_attachment, f"{live_server.url}/api/v1", chat.token,
            str(conversation.public_id), "收据.pdf", MINIMAL_PDF)
        assert (info["name"], info["content_type"]) == ("收据.pdf", "application/pdf")
        with pytest.raises(SendRejected) as refused:
            await asyncio.to_thread(upload_attachment, f"{live_server.url}/api/v1",
                                    chat.token, str(conversation.public_id), "x.png", b"MZ")
        assert refused.value.code == "file_type_not_allowed"
        seq = await client.send("收据在这里", attachments=[info["id"]])
        await client.wait_for_seq(seq)
        assert client.messages[-1]["attachments"][0]["sha256"] == info["sha256"]
        assert client.queue is not None
        assert client.queue["position"] == 1
        reply = await database_sync_to_async(message_post)(
            conversation_id=conversation.pk, kind="agent", body="收到", author_user=chat.agent)
        await client.wait_for_seq(reply.message.seq)
        await database_sync_to_async(message_edit)(message_id=reply.message.pk,
                                                   editor=chat.agent, body="收到，处理中")
        await client.wait_until(lambda: client.messages[-1]["body"] == "收到，处理中")
        assert client.messages[-1]["revision"] == 1
        # The reply took the conversation: no longer waiting.
        await client.wait_until(lambda: client.queue is not None
                                and client.queue["position"] is None)
        await client.close()

    run(scenario)
