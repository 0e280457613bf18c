"""The frame parser on its own: each kind of bad frame gets its own code, valid ones parse."""

from __future__ import annotations

from uuid import UUID

import pytest

from kefu.chat.frames import FrameError, Hello, Send, parse_frame


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("{not json", "bad_json", ""),
        ("[" * 5000 + "]" * 5000, "bad_json", ""),  # deeper than either parser goes
        ('"hello"', "bad_frame", "a JSON object with a string 'type' is expected"),
        ('{"type": 7}', "bad_frame", "a JSON object with a string 'type' is expected"),
        ('{"type": "teleport"}', "unknown_type", "teleport"),
        ('{"type": "send", "client_msg_id": "a", "body": 5}', "bad_frame", "body"),
        ('{"type": "read", "seq": "3"}', "bad_frame", "seq"),
        ('{"type": "hello", "conversation": "not-a-uuid"}', "bad_frame", "conversation"),
    ],
)
def test_a_bad_frame_says_what_is_wrong(text: str, code: str, detail: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(text)
    assert (caught.value.code, caught.value.detail) == (code, detail)


def test_valid_frames_parse_strictly_with_uuids_from_their_text() -> None:
    send = parse_frame('{"type": "send", "client_msg_id": "m-1", "body": "提现失败",'
                       ' "unknown": "ignored"}')
    assert isinstance(send, Send)
    assert (send.client_msg_id, send.body, send.attachments) == ("m-1", "提现失败", [])
    hello = parse_frame('{"type": "hello", "conversation": '
                        '"6f1c1b8e-3d1a-4a57-9a43-8a9a0b0c0d0e", "last_seq": 4}')
    assert isinstance(hello, Hello)
    assert hello.conversation == UUID("6f1c1b8e-3d1a-4a57-9a43-8a9a0b0c0d0e")
    assert hello.last_seq == 4
