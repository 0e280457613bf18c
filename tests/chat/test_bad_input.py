"""Bad input: a clear error frame or a close code; nothing stored, nobody else affected."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kefu.chat.tokens import mint_account_token, mint_visitor_token
from kefu.desk.models import InboundMessage, Message
from tests.chat.conftest import Chat, Conn, run


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "send", "client_msg_id": "a", "body": 5}', "bad_frame"),
        ('{"type": "send", "client_msg_id": "", "body": "x"}', "bad_frame"),
        ('{"type": "send", "client_msg_id": "a b", "body": "x"}', "bad_frame"),
        ('{"type": "send", "client_msg_id": "a", "body": "   "}', "empty_message"),
        ('{"type": "send", "client_msg_id": "a", "body": "' + "a" * 10001 + '"}',
         "bad_frame"),
        ('{"type": "read", "seq": "3"}', "bad_frame"),
        ('{"type": "hello", "conversation": "not-a-uuid"}', "bad_frame"),
        ('{"type": "subscribe", "conversation": "6f1c1b8e-3d1a-4a57-9a43-8a9a0b0c0d0e"}',
         "unknown_type"),
        ("x" * 20000, "frame_too_large"),
    ],
)
def test_bad_frames_get_an_error_and_the_connection_lives_on(
    chat: Chat, frame: str, code: str
) -> None:
    conversation = chat.conversation()

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token, conversation=str(conversation.public_id))
        await c.send(frame)
        error = await c.recv()
        assert (error["type"], error["code"]) == ("error", code), error
        assert error["message"]
        await c.send({"type": "ping"})
        assert (await c.recv())["type"] == "pong"
        await c.close()

    run(scenario)
    assert not Message.objects.exists()
    assert not InboundMessage.objects.exists()


def test_error_messages_speak_the_connection_language(chat: Chat) -> None:
    async def scenario() -> None:
        zh = await Conn().open()
        await zh.send("{")
        assert (await zh.recv())["message"] == "消息格式不是有效的 JSON。"
        en = await Conn("/ws/chat/?lang=en").open()
        await en.send("{")
        assert (await en.recv())["message"] == "The frame is not valid JSON."
        await zh.close()
        await en.close()

    run(scenario)


def test_binary_frames_and_frames_before_hello(chat: Chat) -> None:
    async def scenario() -> None:
        c = await Conn().open()
        await c.ws.send_bytes(b"\x00\x01")
        assert (await c.recv())["code"] == "binary_not_supported"
        await c.send({"type": "send", "client_msg_id": "a", "body": "hi"})
        error = await c.recv()
        assert (error["code"], error["client_msg_id"]) == ("hello_required", "a")
        await c.close()

    run(scenario)
    assert not Message.objects.exists()


@pytest.mark.parametrize("kind", ["forged", "garbage", "expired", "empty"])
def test_bad_tokens_close_with_4401(chat: Chat, kind: str) -> None:
    if kind == "forged":
        token = mint_account_token(chat.customer.external_ref, secret="not-the-secret")
    elif kind == "garbage":
        token = "a:acct-1001:1abc:forged"
    elif kind == "empty":
        token = ""
    else:
        with time_machine.travel(timezone.now() - timedelta(hours=2)):
            token = mint_account_token(chat.customer.external_ref)

    async def scenario() -> None:
        c = await Conn().open()
        error = await c.hello(token)
        expected = "token_expired" if kind == "expired" else "token_invalid"
        assert (error["type"], error["code"]) == ("error", expected)
        assert await c.recv() == {"type": "__closed__", "code": 4401}

    run(scenario)


def test_a_second_hello_for_another_customer_closes_with_4401(chat: Chat) -> None:
    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token)
        error = await c.hello(chat.other_token)
        assert error["code"] == "token_mismatch"
        assert (await c.recv())["code"] == 4401

    run(scenario)


def test_somebody_elses_conversation_is_not_found_and_nothing_is_stored(chat: Chat) -> None:
    theirs = chat.conversation(customer=chat.other)

    async def scenario() -> None:
        c = await Conn().open()
        error = await c.hello(chat.token, conversation=str(theirs.public_id))
        assert error["code"] == "not_found"
        # Still not following anything: a send opens the customer's *own* conversation.
        await c.send({"type": "send", "client_msg_id": "x", "body": "mine"})
        ack = await c.recv_type("ack")
        assert ack["conversation"] != str(theirs.public_id)
        # A visitor (no record yet) is told the same.
        v = await Conn().open()
        assert (await v.hello(mint_visitor_token(), conversation=str(theirs.public_id)))[
            "code"] == "not_found"
        await c.close()
        await v.close()

    run(scenario)
    assert not Message.objects.filter(conversation=theirs).exists()


def test_an_origin_not_on_the_allow_list_is_refused(chat: Chat, settings: object) -> None:
    settings.KEFU_CHAT_ALLOWED_ORIGINS = ["https://www.exchange.example"]  # type: ignore[attr-defined]

    async def scenario() -> None:
        bad = await Conn(origin="https://evil.example").open()
        assert (await bad.recv())["code"] == "origin_not_allowed"
        assert (await bad.recv())["code"] == 4403
        good = await Conn(origin="https://www.exchange.example").open()
        assert (await good.hello(chat.token))["type"] == "welcome"
        app = await Conn(origin=None).open()  # native apps send no Origin
        assert (await app.hello(chat.token))["type"] == "welcome"
        await good.close()
        await app.close()

    run(scenario)


def test_a_flood_gets_an_error_then_4429_and_others_are_unaffected(
    chat: Chat, settings: object
) -> None:
    settings.KEFU_CHAT_RATE = 5  # type: ignore[attr-defined]
    conversation = chat.conversation()

    async def scenario() -> None:
        flooder = await Conn().open()
        await flooder.hello(chat.token, conversation=str(conversation.public_id))
        bystander = await Conn().open()
        await bystander.hello(chat.other_token)
        for n in range(8):
            await flooder.send({"type": "send", "client_msg_id": f"f{n}", "body": "spam"})
        frames = []
        while (frame := await flooder.recv())["type"] != "__closed__":
            frames.append(frame)
        assert frame["code"] == 4429
        assert frames[-1]["code"] == "rate_limited"
        assert [f["seq"] for f in frames if f["type"] == "ack"] == [1, 2, 3, 4, 5]
        await bystander.send({"type": "send", "client_msg_id": "ok", "body": "still here"})
        assert (await bystander.recv_type("ack"))["seq"] == 1
        await bystander.close()

    run(scenario)
    assert Message.objects.filter(conversation=conversation).count() == 5


def test_garbage_floods_are_limited_too(chat: Chat, settings: object) -> None:
    settings.KEFU_CHAT_RATE = 2  # type: ignore[attr-defined]

    async def scenario() -> None:
        c = await Conn().open()
        for _ in range(11):
            await c.send(json.dumps({"type": "nonsense"}))
        codes = []
        while (frame := await c.recv())["type"] != "__closed__":
            codes.append(frame["code"])
        assert codes == ["unknown_type"] * 10 + ["rate_limited"]
        assert frame["code"] == 4429

    run(scenario)
