"""The one inbound pipeline every channel calls: parse → verify → dedupe → redact → store → route.

A delivery is stored (or quarantined with a reason) before :func:`receive` returns, so a
channel acknowledges only what is safely in the database. Routing runs afterwards; if it
fails, the conversation simply waits in its team's queue.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from pydantic import ValidationError

from kefu.core.bulk import insert_rows, select_in
from kefu.desk.envelope import ChannelAdapter, InboundEnvelope
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    Conversation,
    CustomerIdentity,
    DeskCustomer,
    InboundMessage,
    InboundState,
    Message,
    MessageKind,
    Status,
)
from kefu.desk.redaction import redact
from kefu.desk.services.assignment import conversation_route_safely
from kefu.desk.services.context import prepared_context
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import (
    customer_for_account,
    customer_for_verified_address,
    identity_add,
    visitor_create,
)
from kefu.desk.services.messages import NewMessage, PostResult, message_post, messages_post

logger = logging.getLogger(__name__)

Outcome = Literal["accepted", "duplicate", "quarantined"]


@dataclass(frozen=True)
class PipelineResult:
    outcome: Outcome
    inbound: InboundMessage
    message: Message | None = None

    @property
    def conversation_id(self) -> int | None:
        return self.message.conversation_id if self.message else None


def _redact_payload(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)[0]
    if isinstance(value, dict):
        return {str(k): _redact_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_payload(v) for v in value]
    return value


def _payload(envelope: InboundEnvelope, text: str) -> dict[str, Any]:
    """The delivery as recorded: ``text`` is its text already redacted; every other
    string is redacted here (a secret can be pasted into a name or a subject too)."""
    payload: dict[str, Any] = _redact_payload(envelope.model_dump(mode="json", exclude={"text"}))
    payload["text"] = text
    return payload


def _fallback_key(raw: dict[str, Any]) -> str:
    key = raw.get("idempotency_key")
    if isinstance(key, str) and 0 < len(key) <= 200:
        return key
    blob = json.dumps(raw, sort_keys=True, default=str).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def _quarantine(channel: str, raw: dict[str, Any], reason: str, detail: str) -> PipelineResult:
    key = _fallback_key(raw)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                channel=channel, idempotency_key=key, state=InboundState.QUARANTINED,
                reason=reason, detail=detail[:2000], payload=_redact_payload(raw),
            )
    except IntegrityError:
        inbound = InboundMessage.objects.get(channel=channel, idempotency_key=key)
    logger.info("quarantined %s delivery %s: %s", channel, key, reason)
    return PipelineResult("quarantined", inbound)


def _customer(envelope: InboundEnvelope) -> DeskCustomer:
    sender = envelope.sender
    if sender.account_ref:
        return customer_for_account(
            external_ref=sender.account_ref, display_name=sender.display_name,
            language=sender.language,
        )
    if sender.identity_kind and sender.address:
        if sender.identity_verified:
            return customer_for_verified_address(
                kind=sender.identity_kind, address=sender.address,
                display_name=sender.display_name, language=sender.language)
        customer = visitor_create(display_name=sender.display_name, language=sender.language)
        # Unverified addresses are kept as hints on this record only.
        identity_add(customer=customer, kind=sender.identity_kind, address=sender.address,
                     verified_at=None)
        return customer
    return visitor_create(display_name=sender.display_name, language=sender.language)


def _conversation(envelope: InboundEnvelope, customer: DeskCustomer) -> int | None:
    """The id of the active conversation this delivery belongs to (None: open one)."""
    if envelope.new_conversation:
        return None
    active = Conversation.objects.filter(customer=customer).exclude(status=Status.CLOSED)
    if envelope.conversation_id is not None:
        active = active.filter(pk=envelope.conversation_id)
    else:
        active = active.filter(channel=envelope.channel).order_by("-created_at")
    return active.values_list("pk", flat=True).first()


def receive(
    adapter: ChannelAdapter, raw: dict[str, Any], *, meta: dict[str, str] | None = None
) -> PipelineResult:
    """Take one delivery from a channel. Never raises for bad input: it quarantines."""
    return receive_many(adapter, [raw], meta=meta)[0]


def receive_many(
    adapter: ChannelAdapter, raws: Sequence[dict[str, Any]], *,
    meta: dict[str, str] | None = None,
) -> list[PipelineResult]:
    """Take several deliveries of one channel at once (a chat server's burst), in order.

    Each gets the outcome :func:`receive` would give it alone. Replies into the
    conversation a delivery names — every live-chat message after the first — are stored
    together in one transaction (:func:`_store_replies`); whatever that batch cannot take
    as it stands (a new conversation, a closed one, a sender seen for the first time, a
    retry) then goes through the one-at-a-time path, :func:`_receive_one`.
    """
    results: list[PipelineResult | None] = [None] * len(raws)
    envelopes: dict[int, InboundEnvelope] = {}
    for index, raw in enumerate(raws):
        checked = _checked(adapter, raw, meta or {})
        if isinstance(checked, PipelineResult):
            results[index] = checked
        else:
            envelopes[index] = checked
    replies = {index: envelope for index, envelope in envelopes.items()
               if envelope.conversation_id is not None and not envelope.new_conversation}
    for index, result in _store_replies(replies).items():
        results[index] = result
    for index, envelope in envelopes.items():
        if results[index] is None:
            results[index] = _receive_one(adapter.channel, raws[index], envelope)
    done = [result for result in results if result is not None]
    assert len(done) == len(raws)
    return done


def _checked(
    adapter: ChannelAdapter, raw: dict[str, Any], meta: dict[str, str]
) -> InboundEnvelope | PipelineResult:
    """Parse and verify: the envelope, or the quarantine it ended in."""
    channel = adapter.channel
    try:
        envelope = adapter.parse(raw)
    except (ValidationError, ValueError, TypeError) as exc:
        return _quarantine(channel, raw, "malformed", str(exc))
    if envelope.channel != channel:
        return _quarantine(channel, raw, "wrong_channel", envelope.channel)
    if not adapter.verify(envelope, raw, meta):
        return _quarantine(channel, raw, "sender_unverified", "")
    return envelope


def _known_customers(envelopes: Mapping[int, InboundEnvelope]) -> dict[int, DeskCustomer]:
    """The existing record of each delivery's sender, where one is there and nothing needs
    writing first (the one-at-a-time path creates or completes the others): what
    :func:`_customer` would find, in a query per kind of sender instead of one each."""
    refs = {e.sender.account_ref for e in envelopes.values() if e.sender.account_ref}
    accounts = {c.external_ref: c for c in select_in(DeskCustomer, {"external_ref": refs})}
    addresses: dict[str, set[str]] = {}
    for envelope in envelopes.values():
        sender = envelope.sender
        if not sender.account_ref and sender.identity_kind and sender.address \
                and sender.identity_verified:
            addresses.setdefault(sender.identity_kind, set()).add(sender.address)
    identities: dict[tuple[str, str], int] = {}
    for kind, wanted in addresses.items():
        for identity in select_in(CustomerIdentity, {"kind": [kind], "address": wanted}):
            if identity.verified_at is not None:
                identities[(kind, identity.address)] = identity.customer_id
    owners = {c.pk: c for c in select_in(DeskCustomer, {"pk": set(identities.values())})}
    found: dict[int, DeskCustomer] = {}
    for index, envelope in envelopes.items():
        sender = envelope.sender
        customer: DeskCustomer | None = None
        if sender.account_ref:
            customer = accounts.get(sender.account_ref)
            if customer is not None and sender.display_name and not customer.display_name:
                customer = None  # customer_for_account fills the name in first
        elif sender.identity_kind and sender.address and sender.identity_verified:
            customer = owners.get(identities.get((sender.identity_kind, sender.address), 0))
        if customer is not None:
            found[index] = customer
    return found


def _store_replies(replies: Mapping[int, InboundEnvelope]) -> dict[int, PipelineResult]:
    """Store, in one transaction, the replies that need nothing but appending.

    Returns the results of those stored (accepted); the rest are left to
    :func:`_receive_one`. If the database refuses the batch (a delivery raced in by another
    process hits a unique key), nothing of it is kept and all are left.
    """
    if not replies:
        return {}
    redacted = {index: redact(envelope.text) for index, envelope in replies.items()}
    try:
        with transaction.atomic():
            customers = _known_customers(replies)
            batch: list[tuple[int, InboundEnvelope]] = []
            keys: set[tuple[str, str]] = set()
            for index, envelope in replies.items():
                key = (envelope.channel, envelope.idempotency_key)
                if index in customers and key not in keys:  # a repeat waits for the first
                    keys.add(key)
                    batch.append((index, envelope))
            outcomes = messages_post([
                NewMessage(
                    conversation_id=envelope.conversation_id or 0, kind=MessageKind.CUSTOMER,
                    body=redacted[index][0], author_customer=customers[index],
                    client_msg_id=envelope.idempotency_key[:64],
                    attachment_ids=list(envelope.attachment_ids),
                )
                for index, envelope in batch
            ])
            # A retry (not created) is answered by the one-at-a-time path, from its record.
            stored = [(index, envelope, outcome.message)
                      for (index, envelope), outcome in zip(batch, outcomes, strict=True)
                      if isinstance(outcome, PostResult) and outcome.created]
            inbound = insert_rows([
                InboundMessage(
                    channel=envelope.channel, idempotency_key=envelope.idempotency_key,
                    state=InboundState.ACCEPTED,
                    payload=_payload(envelope, redacted[index][0]),
                    message_id=message.pk,  # not message=: see _store
                    redactions=[{"kind": f.kind, "words": f.words}
                                for f in redacted[index][1]],
                )
                for index, envelope, message in stored
            ])
    except IntegrityError:
        return {}
    return {index: PipelineResult("accepted", record, message)
            for (index, _envelope, message), record in zip(stored, inbound, strict=True)}


def _receive_one(channel: str, raw: dict[str, Any], envelope: InboundEnvelope) -> PipelineResult:
    """One checked delivery, whatever it needs: a new customer or conversation, a retry."""
    if envelope.conversation_id is None:
        # The unique key below is the real guard. Looking first spares a retry the gateway
        # call a new conversation makes; a reply in a known conversation (a live chat's
        # every message) skips the extra query and relies on the key alone.
        existing = InboundMessage.objects.filter(
            channel=channel, idempotency_key=envelope.idempotency_key
        ).select_related("message").first()
        if existing is not None:
            return PipelineResult("duplicate", existing, existing.message)
    text, findings = redact(envelope.text)
    context: dict[str, Any] | None = None
    if envelope.sender.account_ref and envelope.conversation_id is None:
        # Gateway I/O stays outside the transaction below.
        probe = DeskCustomer(external_ref=envelope.sender.account_ref)
        context = prepared_context(customer=probe, event_key=envelope.event_key)
    try:
        result, new_conversation = _store(envelope, text, findings, context)
    except IntegrityError:
        inbound = InboundMessage.objects.select_related("message").get(
            channel=channel, idempotency_key=envelope.idempotency_key
        )
        return PipelineResult("duplicate", inbound, inbound.message)
    except DeskError as exc:
        return _quarantine(channel, raw, exc.code, exc.detail)
    if result.message is not None and new_conversation:
        conversation_route_safely(result.message.conversation_id)
    return result


@transaction.atomic
def _store(
    envelope: InboundEnvelope, text: str, findings: list[Any], context: dict[str, Any] | None
) -> tuple[PipelineResult, bool]:
    payload = _payload(envelope, text)
    customer = _customer(envelope)
    post = functools.partial(
        message_post, kind=MessageKind.CUSTOMER, body=text, author_customer=customer,
        client_msg_id=envelope.idempotency_key[:64], attachment_ids=list(envelope.attachment_ids),
    )
    posted = None
    if envelope.conversation_id is not None and not envelope.new_conversation:
        # The common case (a live chat's every message): straight into the conversation
        # named, which message_post locks and checks — the customer's own and not closed.
        try:
            posted = post(conversation_id=envelope.conversation_id)
        except DeskError as exc:
            if exc.code not in ("not_found", "invalid_transition"):
                raise
    new_conversation = False
    if posted is None:
        conversation_id = _conversation(envelope, customer)
        new_conversation = conversation_id is None
        if conversation_id is None:
            conversation_id = conversation_open(
                customer=customer, channel=envelope.channel,
                category=envelope.category or "other", subject=envelope.subject or text[:80],
                context=context, language=envelope.sender.language,
            ).pk
        posted = post(conversation_id=conversation_id)
    # Recorded last, with its message, in the same transaction: a concurrent copy of this
    # delivery fails on the unique key here and rolls everything above back.
    inbound = InboundMessage.objects.create(
        channel=envelope.channel, idempotency_key=envelope.idempotency_key,
        state=InboundState.ACCEPTED, payload=payload,
        # By id: assigning the object would cache each on the other (a one-to-one), a
        # reference cycle that only the garbage collector's full passes free — under chat
        # load, one per message.
        message_id=posted.message.pk,
        redactions=[{"kind": f.kind, "words": f.words} for f in findings],
    )
    return PipelineResult("accepted", inbound, posted.message), new_conversation
