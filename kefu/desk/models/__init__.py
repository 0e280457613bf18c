"""The desk's models, one module per concept."""

from kefu.desk.models.attachments import Attachment
from kefu.desk.models.choices import (
    ACTIVE_STATUSES,
    MAX_MESSAGE_CHARS,
    Category,
    Channel,
    CustomerKind,
    IdentityKind,
    InboundState,
    MessageKind,
    Presence,
    Priority,
    Role,
    Status,
)
from kefu.desk.models.content import PLACEHOLDERS, CannedResponse, CsatRating, render_placeholders
from kefu.desk.models.conversations import Conversation, ConversationEvent, Label, SlaPolicy
from kefu.desk.models.customers import CustomerIdentity, DeskCustomer
from kefu.desk.models.inbound import InboundMessage, Quarantine
from kefu.desk.models.mentions import Mention
from kefu.desk.models.messages import Message, MessageRevision
from kefu.desk.models.otp import AgentTotpDevice
from kefu.desk.models.teams import AgentProfile, Team
from kefu.desk.models.webhooks import ExchangeEvent

__all__ = [
    "ACTIVE_STATUSES",
    "MAX_MESSAGE_CHARS",
    "PLACEHOLDERS",
    "AgentProfile",
    "AgentTotpDevice",
    "Attachment",
    "CannedResponse",
    "Category",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "CsatRating",
    "CustomerIdentity",
    "CustomerKind",
    "DeskCustomer",
    "ExchangeEvent",
    "IdentityKind",
    "InboundMessage",
    "InboundState",
    "Label",
    "Mention",
    "Message",
    "MessageKind",
    "MessageRevision",
    "Presence",
    "Priority",
    "Quarantine",
    "Role",
    "SlaPolicy",
    "Status",
    "Team",
    "render_placeholders",
]
