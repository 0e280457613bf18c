"""The desk's models, one module per concept."""

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
from kefu.desk.models.messages import Message, MessageRevision
from kefu.desk.models.teams import AgentProfile, Team

__all__ = [
    "ACTIVE_STATUSES",
    "MAX_MESSAGE_CHARS",
    "PLACEHOLDERS",
    "AgentProfile",
    "CannedResponse",
    "Category",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "CsatRating",
    "CustomerIdentity",
    "CustomerKind",
    "DeskCustomer",
    "IdentityKind",
    "InboundMessage",
    "InboundState",
    "Label",
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
