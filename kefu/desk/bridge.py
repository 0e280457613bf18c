"""Support requests from the built-in exchange (freeze, "contact support" on a withdrawal).

The accounts app calls :func:`receive_support_request` after its commit with a plain dict
(``kefu.exchange.accounts.desk_link.support_request_payload``); the desk never imports
the exchange. The payload goes through the desk's one inbound pipeline on the ``web``
channel, keyed ``support-request:<id>``, so a redelivery, or the task running twice,
lands exactly once. The request's details are attached to the conversation's prepared
information (``context["support_requests"][<id>]``) and written into the first message,
so the agent sees them without asking.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override
from pydantic import BaseModel, ConfigDict, Field

from kefu.core.i18n import normalize_language
from kefu.desk.envelope import TrustedAdapter
from kefu.desk.locks import lock_conversation
from kefu.desk.models import ACTIVE_STATUSES, MAX_MESSAGE_CHARS, Conversation
from kefu.desk.pipeline import PipelineResult, receive
from kefu.desk.services.common import record_event

logger = logging.getLogger(__name__)

CHANNEL = "web"
CATEGORIES = {"freeze": "security", "withdrawal": "withdrawal"}


class SupportRequestPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    request_id: int
    kind: Literal["freeze", "withdrawal"] | str
    customer_ref: str = Field(min_length=1, max_length=100)
    display_name: str = Field(default="", max_length=100)
    language: str = "zh-hans"
    created_at: str = ""
    summary: dict[str, Any] = Field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        return f"support-request:{self.request_id}"


def receive_support_request(payload: dict[str, Any]) -> None:
    """The sink the accounts app calls: validate now, do the work in a task."""
    # Imported here: kefu.desk.tasks imports this module.
    from kefu.desk.tasks import support_request_to_conversation

    SupportRequestPayload.model_validate(payload)  # a bad payload fails at the caller
    support_request_to_conversation.enqueue(payload=payload)


def _withdrawal_text(summary: dict[str, Any], language: str) -> str:
    lines = [_("I need help with this withdrawal.")]
    fields = [
        (_("Time"), summary.get("created_at", "")),
        (_("Amount"), f"{summary.get('amount', '')} {summary.get('asset', '')}".strip()),
        (_("Network"), summary.get("network", "")),
        (_("Address"), summary.get("address", "")),
        (_("Memo"), summary.get("memo", "")),
        (_("Status"), summary.get("state", "")),
        (_("Failure reason"), summary.get("reason", "")),
        (_("Explanation"), summary.get(f"explanation_{language}", "")),
        (_("Transaction hash"), summary.get("tx_hash", "")),
    ]
    lines += [f"{label}: {value}" for label, value in fields if value]
    if summary.get("message"):
        lines += ["", str(summary["message"])]
    return "\n".join(lines)


def _freeze_text(summary: dict[str, Any]) -> str:
    lines = [_("I froze my account: I did not recognise activity on it."),
             _("Recent activity:")]
    for item in summary.get("recent_activity", [])[:20]:
        if isinstance(item, dict):
            parts = [str(item.get(k, "")) for k in ("at", "kind", "ip", "device", "location")]
            lines.append(" · ".join(p for p in parts if p))
    return "\n".join(lines)


def request_text(payload: SupportRequestPayload) -> tuple[str, str]:
    """(subject, first message) in the customer's language."""
    language = normalize_language(payload.language)
    with override(language):
        if payload.kind == "withdrawal":
            subject = _("Withdrawal: %(amount)s %(asset)s") % {
                "amount": payload.summary.get("amount", ""),
                "asset": payload.summary.get("asset", ""),
            }
            text = _withdrawal_text(payload.summary, language)
        else:
            subject = _("Account frozen by the customer")
            text = _freeze_text(payload.summary)
    return subject[:200], text[:MAX_MESSAGE_CHARS]


@transaction.atomic
def _attach(conversation_id: int, payload: SupportRequestPayload) -> None:
    conversation = lock_conversation(conversation_id)
    context = dict(conversation.context or {})
    attached = dict(context.get("support_requests") or {})
    key = str(payload.request_id)
    if key in attached:
        return
    attached[key] = {"kind": payload.kind, "created_at": payload.created_at,
                     "details": payload.summary}
    context["support_requests"] = attached
    conversation.context = context
    conversation.save(update_fields=["context"])
    record_event(conversation, actor=None, field="support_request", new=key)


def support_request_convert(*, payload: dict[str, Any]) -> PipelineResult:
    """One support request → one conversation message, with its details attached. Idempotent."""
    request = SupportRequestPayload.model_validate(payload)
    subject, text = request_text(request)
    language = normalize_language(request.language)
    # The exchange's own event (account.frozen, withdrawal.failed) may have opened a
    # conversation for this customer already, before or after us: join the latest active
    # one, as the event handler does, so the customer has one thread, not two.
    active = (
        Conversation.objects.filter(customer__external_ref=request.customer_ref,
                                    status__in=ACTIVE_STATUSES)
        .order_by("-created_at").values_list("pk", flat=True).first()
    )
    result = receive(
        TrustedAdapter(CHANNEL),
        {
            "idempotency_key": request.idempotency_key,
            "sender": {"account_ref": request.customer_ref,
                       "display_name": request.display_name[:100], "language": language},
            "text": text or subject,
            "category": CATEGORIES.get(request.kind, "other"),
            "subject": subject,
            "conversation_id": active,
        },
    )
    if result.conversation_id is not None:
        # Also on a duplicate: finishes the job if a previous run stopped in between.
        _attach(result.conversation_id, request)
    else:
        logger.warning("support request %s quarantined: %s", request.request_id,
                       result.inbound.reason)
    return result
