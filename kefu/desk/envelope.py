"""The typed form every channel adapter turns its raw delivery into."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from kefu.desk.models import MAX_MESSAGE_CHARS

ChannelName = Literal["web", "app", "email", "telegram", "x", "facebook", "phone", "console"]
CategoryName = Literal[
    "account_access", "withdrawal", "deposit", "security", "identity_verification", "other"
]


class Sender(BaseModel):
    """Who wrote, as far as the channel can tell.

    ``account_ref``: the gateway's reference, only when the channel authenticated the
    customer (a signed token). Otherwise an identity (address on the channel) or a
    visitor id; ``identity_verified`` only when the channel proved it.
    """

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    account_ref: str | None = Field(default=None, max_length=100)
    identity_kind: Literal["email", "phone", "telegram", "x", "facebook", "visitor"] | None = None
    address: str | None = Field(default=None, max_length=254)
    identity_verified: bool = False
    display_name: str = Field(default="", max_length=100)
    language: Literal["zh-hans", "en"] = "zh-hans"


class InboundEnvelope(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    channel: ChannelName
    idempotency_key: str = Field(min_length=1, max_length=200)
    sender: Sender
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    conversation_id: int | None = None
    category: CategoryName | None = None
    subject: str = Field(default="", max_length=200)
    event_key: str = Field(default="", max_length=100)
    sent_at: datetime | None = None
    # A request form opens a conversation of its own; a chat message joins the active one.
    new_conversation: bool = False
    # Files the sender uploaded first, to this conversation or before any (the first
    # message's): kefu.desk.services.attachments.
    attachment_ids: list[int] = Field(default_factory=list, max_length=10)


class ChannelAdapter(Protocol):
    """What a connector provides to the pipeline (one per channel, in kefu/connectors/)."""

    channel: str

    def parse(self, raw: dict[str, Any]) -> InboundEnvelope:
        """Raise pydantic.ValidationError (or ValueError) for a malformed delivery."""
        ...

    def verify(self, envelope: InboundEnvelope, raw: dict[str, Any], meta: dict[str, str]) -> bool:
        """Whether the delivery really comes from the claimed sender (signature, token …)."""
        ...


class TrustedAdapter:
    """For callers that already authenticated the sender (the desk's own forms, tests, demo).

    ``raw`` is the envelope's own JSON form.
    """

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def parse(self, raw: dict[str, Any]) -> InboundEnvelope:
        return InboundEnvelope.model_validate({**raw, "channel": self.channel}, strict=False)

    def verify(self, envelope: InboundEnvelope, raw: dict[str, Any], meta: dict[str, str]) -> bool:
        return True
