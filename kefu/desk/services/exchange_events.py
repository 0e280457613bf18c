"""Events the exchange pushes (account locked or frozen, suspicious login, withdrawal
failed): store once, then put them on the customer's timeline and, where a person will
need help, open a conversation before the customer writes.

Both doors use these functions: the signed webhook (kefu.desk.webhooks) and the built-in
exchange's in-process delivery (kefu.gateway.events).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from kefu.desk.models import (
    ACTIVE_STATUSES,
    Category,
    Channel,
    Conversation,
    DeskCustomer,
    ExchangeEvent,
    MessageKind,
)
from kefu.desk.services.assignment import conversation_route_safely
from kefu.desk.services.context import prepared_context
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import customer_for_account
from kefu.desk.services.messages import message_post

logger = logging.getLogger(__name__)

EventType = Literal["account.locked", "account.frozen", "login.suspicious", "withdrawal.failed"]
EVENT_TYPES: frozenset[str] = frozenset(
    {"account.locked", "account.frozen", "login.suspicious", "withdrawal.failed"}
)
# Events after which somebody will need help: a conversation is opened (or updated).
OPENS_CONVERSATION = {"withdrawal.failed": Category.WITHDRAWAL, "account.frozen": Category.SECURITY}
SUBJECTS = {
    "account.locked": "Account locked after failed sign-ins",
    "account.frozen": "Account frozen",
    "login.suspicious": "Sign-in from a new device",
    "withdrawal.failed": "Withdrawal failed",
}


class EventData(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    customer_ref: str = Field(min_length=1, max_length=100)
    withdrawal_ref: str = Field(default="", max_length=100)
    reason_code: str = Field(default="", max_length=60)
    asset: str = Field(default="", max_length=20)
    network: str = Field(default="", max_length=60)
    amount: str = Field(default="", max_length=40)
    source: str = Field(default="", max_length=40)
    locked_until: str = Field(default="", max_length=40)
    ip: str = Field(default="", max_length=64)
    device: str = Field(default="", max_length=120)


class EventEnvelope(BaseModel):
    """``{"id", "type", "created_at", "data": {...}}`` — see docs/gateway.md."""

    model_config = ConfigDict(strict=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    type: EventType
    created_at: datetime
    data: EventData


def exchange_event_quarantine(*, body: bytes, reason: str, detail: str) -> ExchangeEvent:
    """Keep a rejected delivery with its reason (same body twice: one row)."""
    event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = {"raw": body[:4000].decode("utf-8", "replace")}
    if not isinstance(payload, dict):
        payload = {"raw": payload}
    try:
        with transaction.atomic():
            event = ExchangeEvent.objects.create(
                event_id=event_id, state=ExchangeEvent.State.QUARANTINED, reason=reason,
                detail=detail[:2000], payload=payload,
                event_type=str(payload.get("type", ""))[:40],
            )
    except IntegrityError:
        event = ExchangeEvent.objects.get(event_id=event_id)
    logger.info("quarantined exchange event %s: %s", event_id, reason)
    return event


def exchange_event_store(*, envelope: EventEnvelope) -> tuple[ExchangeEvent, bool]:
    """Store the event once; ``(event, False)`` for a redelivery."""
    existing = ExchangeEvent.objects.filter(event_id=envelope.id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = ExchangeEvent.objects.create(
                event_id=envelope.id, event_type=envelope.type,
                state=ExchangeEvent.State.ACCEPTED, customer_ref=envelope.data.customer_ref,
                occurred_at=envelope.created_at, payload=envelope.model_dump(mode="json"),
            )
    except IntegrityError:  # the same event delivered twice at once
        return ExchangeEvent.objects.get(event_id=envelope.id), False
    return event, True


def _describe(event: ExchangeEvent) -> str:
    data: dict[str, Any] = event.payload.get("data", {})
    parts = [SUBJECTS.get(event.event_type, event.event_type)]
    if event.event_type == "withdrawal.failed":
        amount = " ".join(x for x in (data.get("amount", ""), data.get("asset", "")) if x)
        parts += [x for x in (amount, data.get("network", ""), data.get("reason_code", "")) if x]
    elif event.event_type == "login.suspicious":
        parts += [x for x in (data.get("device", ""), data.get("ip", "")) if x]
    elif event.event_type == "account.locked" and data.get("locked_until"):
        parts.append(f"until {data['locked_until']}")
    return "[exchange] " + " · ".join(str(p) for p in parts)


def exchange_event_apply(*, event_pk: int) -> ExchangeEvent:
    """Put a stored event on the customer's timeline; idempotent (runs once per event)."""
    event = ExchangeEvent.objects.get(pk=event_pk)
    if event.state != ExchangeEvent.State.ACCEPTED:
        return event
    category = OPENS_CONVERSATION.get(event.event_type)
    context: dict[str, Any] | None = None
    if category is not None:
        # Gateway I/O stays outside the transaction below.
        context = prepared_context(customer=DeskCustomer(external_ref=event.customer_ref))
        context["exchange_event"] = event.payload
    opened: Conversation | None = None
    with transaction.atomic():
        event = ExchangeEvent.objects.select_for_update().get(pk=event_pk)
        if event.state != ExchangeEvent.State.ACCEPTED:
            return event
        customer = customer_for_account(external_ref=event.customer_ref)
        conversation = (
            Conversation.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
            .order_by("-created_at").first()
        )
        if conversation is None and category is not None:
            conversation = opened = conversation_open(
                customer=customer, channel=Channel.CONSOLE, category=category,
                subject=SUBJECTS[event.event_type], context=context,
            )
        if conversation is not None:
            message_post(conversation_id=conversation.pk, kind=MessageKind.SYSTEM,
                         body=_describe(event), client_msg_id=f"xev:{event.pk}")
        event.customer = customer
        event.conversation = conversation
        event.state = ExchangeEvent.State.PROCESSED
        event.processed_at = timezone.now()
        event.save(update_fields=["customer", "conversation", "state", "processed_at"])
    if opened is not None:
        conversation_route_safely(opened.pk)
    return event


def exchange_event_receive(*, envelope: EventEnvelope) -> tuple[ExchangeEvent, bool]:
    """Store, then apply. A failure to apply leaves the event stored as ``accepted``."""
    event, created = exchange_event_store(envelope=envelope)
    if created:
        try:
            event = exchange_event_apply(event_pk=event.pk)
        except Exception:
            logger.exception("exchange event %s stored but not applied", event.event_id)
    return event, created
