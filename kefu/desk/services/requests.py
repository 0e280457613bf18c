"""A customer's new request from the web form, with the prepared information attached.

The customer picks a category and, when signed in, the withdrawal or sign-in event
concerned from their *own* records; the desk looks the record up again on submit (never
trusting what the browser sent), writes it into the first message and into
``conversation.context`` and sends everything through the one inbound pipeline on the
``web`` channel. The idempotency key comes from a nonce in the form, so a double submit
opens one conversation. Gateway calls happen before any transaction.

The gateway has no deposit records yet: a deposit request carries the category and the
account snapshot only.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.core.i18n import format_moment, normalize_language
from kefu.desk.envelope import TrustedAdapter
from kefu.desk.locks import lock_conversation
from kefu.desk.models import MAX_MESSAGE_CHARS
from kefu.desk.pipeline import receive
from kefu.desk.services.common import record_event
from kefu.desk.services.context import activity_key
from kefu.gateway import ActivityItem, UnknownWithdrawal, WithdrawalSummary, get_gateway

logger = logging.getLogger(__name__)

CHANNEL = "web"
WITHDRAWAL_PREFIX = "w:"
EVENT_PREFIX = "e:"
RECORD_LIMIT = 20
# Leaves room in the first message for the attached details.
DESCRIPTION_MAX_CHARS = 8000


class RequestRefused(Exception):
    """The request was not stored; ``code`` says why (the view words it for people)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CustomerRecords:
    """What a signed-in customer can point at; ``available`` false when the exchange is down."""

    available: bool
    withdrawals: list[WithdrawalSummary] = field(default_factory=list)
    activity: list[ActivityItem] = field(default_factory=list)


@dataclass(frozen=True)
class RequestOpened:
    conversation_id: int
    created: bool  # False: the same form was submitted before


def customer_records(*, customer_ref: str) -> CustomerRecords:
    try:
        gateway = get_gateway()
        withdrawals = gateway.withdrawals(customer_ref, limit=RECORD_LIMIT)
        activity = gateway.recent_activity(customer_ref, limit=RECORD_LIMIT)
    except Exception:
        logger.warning("records unavailable for a new request", exc_info=True)
        return CustomerRecords(available=False)
    return CustomerRecords(available=True, withdrawals=withdrawals, activity=activity)


def _own_withdrawal(customer_ref: str, ref: str) -> WithdrawalSummary | None:
    """The customer's withdrawal, or RequestRefused; None when the exchange cannot say."""
    try:
        summary = get_gateway().withdrawal(ref)
    except UnknownWithdrawal:
        raise RequestRefused("not_your_record") from None
    except Exception:
        logger.warning("withdrawal lookup failed for a new request", exc_info=True)
        return None
    if summary.customer_ref != customer_ref:
        raise RequestRefused("not_your_record")
    return summary


def _own_event(customer_ref: str, key: str) -> ActivityItem | None:
    try:
        activity = get_gateway().recent_activity(customer_ref, limit=50)
    except Exception:
        logger.warning("activity lookup failed for a new request", exc_info=True)
        return None
    for item in activity:
        if activity_key(item) == key:
            return item
    raise RequestRefused("not_your_record")


def _account_name(customer_ref: str) -> str:
    try:
        return get_gateway().account_summary(customer_ref).display_name
    except Exception:
        logger.warning("account summary unavailable for a new request", exc_info=True)
        return ""


def withdrawal_details(summary: WithdrawalSummary, language: str) -> dict[str, Any]:
    reason = summary.reason
    return {
        "ref": summary.ref,
        "created_at": summary.created_at.isoformat(),
        "asset": summary.asset,
        "amount": summary.amount,
        "network": summary.network,
        "address": summary.address,
        "memo": summary.memo,
        "state": summary.state,
        "reason_code": reason.code if reason else "",
        "reason": (reason.title_zh_hans if language == "zh-hans" else reason.title_en)
        if reason else "",
        "tx_hash": summary.tx_hash,
    }


def _text(*, description: str, display_name: str, withdrawal: dict[str, Any] | None,
          event: ActivityItem | None) -> str:
    lines = [description.strip(), "", "— " + _("Attached by the support desk") + " —"]
    if display_name:
        lines.append(f"{_('Account')}: {display_name}")
    if withdrawal is not None:
        fields = [
            (_("Time"), format_moment(datetime.fromisoformat(withdrawal["created_at"]))),
            (_("Amount"), f"{withdrawal['amount']} {withdrawal['asset']}"),
            (_("Network"), withdrawal["network"]),
            (_("Address"), withdrawal["address"]),
            (_("Memo"), withdrawal["memo"]),
            (_("Status"), withdrawal["state"]),
            (_("Failure reason"), withdrawal["reason"]),
        ]
        lines.append(_("Withdrawal") + f" {withdrawal['ref']}")
        lines += [f"{label}: {value}" for label, value in fields if value]
    if event is not None:
        lines.append(f"{_('Event')}: {event.description}")
        fields = [(_("Time"), format_moment(event.at)), (_("IP address"), event.ip),
                  (_("Device"), event.device), (_("Location"), event.location)]
        lines += [f"{label}: {value}" for label, value in fields if value]
    if len(lines) == 3:
        lines = lines[:1]
    return "\n".join(lines)[:MAX_MESSAGE_CHARS]


def request_open(
    *,
    customer_ref: str | None,
    email: str,
    display_name: str,
    category: str,
    description: str,
    record: str,
    nonce: str,
    language: str,
) -> RequestOpened:
    """Open the request (or find the one this form already opened).

    ``customer_ref`` is the signed-in customer (None: an anonymous visitor, who gives an
    ``email`` to reply to and may not point at records). ``record`` is ``w:<withdrawal
    ref>``, ``e:<activity key>`` or empty. Refusals store nothing.
    """
    language = normalize_language(language)
    description = description.strip()
    if not description:
        raise RequestRefused("empty")
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise RequestRefused("too_long")
    withdrawal: dict[str, Any] | None = None
    event: ActivityItem | None = None
    if record and customer_ref is None:
        raise RequestRefused("not_your_record")
    if customer_ref and record.startswith(WITHDRAWAL_PREFIX):
        summary = _own_withdrawal(customer_ref, record.removeprefix(WITHDRAWAL_PREFIX))
        withdrawal = withdrawal_details(summary, language) if summary else None
    elif customer_ref and record.startswith(EVENT_PREFIX):
        event = _own_event(customer_ref, record.removeprefix(EVENT_PREFIX))
    elif record:
        raise RequestRefused("not_your_record")

    if customer_ref:
        display_name = _account_name(customer_ref) or display_name
    owner = f"account:{customer_ref}" if customer_ref else f"visitor:{email.strip().lower()}"
    # Bound to the sender: somebody else's nonce opens nothing of theirs.
    key = "support-new:" + hashlib.sha256(f"{owner}|{nonce}".encode()).hexdigest()
    sender: dict[str, Any] = {"display_name": display_name[:100], "language": language}
    if customer_ref:
        sender["account_ref"] = customer_ref
    else:
        sender.update(identity_kind="email", address=email.strip()[:254],
                      identity_verified=False)
    with override(language):
        text = _text(description=description, display_name=display_name,
                     withdrawal=withdrawal, event=event)
    first_line = description.splitlines()[0] if description else ""
    result = receive(TrustedAdapter(CHANNEL), {
        "idempotency_key": key,
        "sender": sender,
        "text": text,
        "category": category,
        "subject": first_line[:80],
        "event_key": activity_key(event) if event is not None else "",
        "new_conversation": True,
    })
    if result.conversation_id is None:
        logger.warning("new request quarantined: %s", result.inbound.reason)
        raise RequestRefused("invalid")
    if withdrawal is not None:
        _attach_withdrawal(result.conversation_id, withdrawal)
    return RequestOpened(conversation_id=result.conversation_id,
                         created=result.outcome == "accepted")


def _attach_withdrawal(conversation_id: int, withdrawal: dict[str, Any]) -> None:
    """The pipeline attaches account and event; the withdrawal goes in here (idempotent)."""
    with transaction.atomic():
        conversation = lock_conversation(conversation_id)
        context = dict(conversation.context or {})
        if context.get("withdrawal") == withdrawal:
            return
        context["withdrawal"] = withdrawal
        conversation.context = context
        conversation.save(update_fields=["context"])
        record_event(conversation, actor=None, field="withdrawal_attached", new=withdrawal["ref"])
