"""The protocol's frames at the boundary: strict pydantic models, and the error codes.

Client frames are JSON objects with a ``type``. Types are checked strictly (a string is
not a number); unknown keys are ignored so a newer client still talks to an older server.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from uuid import UUID

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kefu.desk.models import MAX_MESSAGE_CHARS

# Close codes (4000–4999 are the application's own).
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_IDLE = 4408
CLOSE_FLOOD = 4429

ERRORS: dict[str, Promise] = {
    "bad_json": _("The frame is not valid JSON."),
    "bad_frame": _("The frame is missing a field or has a field of the wrong type."),
    "unknown_type": _("Unknown frame type."),
    "frame_too_large": _("The frame is too large."),
    "binary_not_supported": _("Binary frames are not supported; send JSON text."),
    "rate_limited": _("Too many frames; the connection is closed. Reconnect in a moment."),
    "hello_required": _("Send a hello frame first."),
    "token_invalid": _("The sign-in token is not valid. Sign in again."),
    "token_expired": _("The sign-in token has expired. Sign in again."),
    "token_mismatch": _("This connection belongs to another customer."),
    "origin_not_allowed": _("This website may not open the chat."),
    "forbidden": _("Sign in to the agent console (with your second factor) first."),
    "not_found": _("This conversation does not exist or you have no access to it."),
    "not_subscribed": _("Subscribe to the conversation first."),
    "too_many_subscriptions": _("Too many conversations on one connection."),
    "empty_message": _("The message is empty."),
    "conversation_closed": _("This conversation is closed."),
    "attachment_unknown": _(
        "An attachment was not found: upload it first, send only your own files, and each "
        "only once."
    ),
    "idle_timeout": _("No sign of life from the client; the connection is closed."),
    "internal": _("Something went wrong on our side; please try again."),
}

ClientMsgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Body = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
Seq = Annotated[int, Field(ge=0, le=2**31)]


class _Frame(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class Hello(_Frame):
    type: Literal["hello"]
    token: str | None = Field(default=None, max_length=400)  # None: a new visitor
    conversation: UUID | None = None
    last_seq: Seq = 0
    lang: Literal["zh-hans", "en"] | None = None
    channel: Literal["web", "app"] = "web"  # where a new conversation is filed
    # Optional frames the client understands (older clients get none of them).
    features: list[Literal["queue"]] = Field(default_factory=list, max_length=8)


class Subscribe(_Frame):
    type: Literal["subscribe"]
    conversation: UUID
    last_seq: Seq = 0


class Unsubscribe(_Frame):
    type: Literal["unsubscribe"]
    conversation: UUID


class Send(_Frame):
    type: Literal["send"]
    client_msg_id: ClientMsgId
    body: Body
    conversation: UUID | None = None  # required on /ws/desk/
    note: bool = False  # agents only: a private note
    # Customers: ids from POST /api/v1/chat/conversations/{id}/attachments, or, before
    # the first message, POST /api/v1/chat/attachments.
    attachments: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=10)


class Typing(_Frame):
    type: Literal["typing"]
    on: bool
    conversation: UUID | None = None


class Read(_Frame):
    type: Literal["read"]
    seq: Seq
    conversation: UUID | None = None


class Ping(_Frame):
    type: Literal["ping"]


class Pong(_Frame):
    type: Literal["pong"]


ClientFrame = Annotated[
    Hello | Subscribe | Unsubscribe | Send | Typing | Read | Ping | Pong,
    Field(discriminator="type"),
]
_adapter: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
FRAME_TYPES = frozenset(
    {"hello", "subscribe", "unsubscribe", "send", "typing", "read", "ping", "pong"}
)


class FrameError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        assert code in ERRORS, code
        super().__init__(code)
        self.code = code
        self.detail = detail


def parse_frame(text: str) -> ClientFrame:
    """One client frame, or :class:`FrameError` saying what is wrong with it.

    A valid frame is parsed once, by the validator; only a frame it refuses is looked at
    again, to say whether it is not JSON, not an object with a known ``type``, or a
    frame of that type with a bad field.
    """
    try:
        return _adapter.validate_json(text)
    except ValidationError as exc:
        refusal = exc
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameError("bad_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("bad_frame", "a JSON object with a string 'type' is expected")
    if data["type"] not in FRAME_TYPES:
        raise FrameError("unknown_type", data["type"][:40])
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in refusal.errors())
    raise FrameError("bad_frame", fields[:200])
