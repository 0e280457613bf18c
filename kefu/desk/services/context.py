"""Customer context from the exchange gateway, and revealing masked personal data.

Gateway calls are network I/O in a real deployment: they happen outside any transaction,
and a failing exchange yields "context unavailable" instead of an error page.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from kefu.core.audit import audit_record
from kefu.desk.errors import DeskError
from kefu.desk.models import Conversation, CustomerIdentity, DeskCustomer
from kefu.desk.services.common import record_event
from kefu.gateway import AccountSummary, ActivityItem, get_gateway

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerContext:
    available: bool
    is_account: bool
    summary: AccountSummary | None = None
    activity: list[ActivityItem] = field(default_factory=list)


def customer_context(customer: DeskCustomer, *, activity_limit: int = 10) -> CustomerContext:
    if not customer.external_ref:
        return CustomerContext(available=True, is_account=False)
    try:
        gateway = get_gateway()
        summary = gateway.account_summary(customer.external_ref)
        activity = gateway.recent_activity(customer.external_ref, limit=activity_limit)
    except Exception:
        logger.warning("customer context unavailable for %s", customer.pk, exc_info=True)
        return CustomerContext(available=False, is_account=True)
    return CustomerContext(available=True, is_account=True, summary=summary, activity=activity)


def activity_key(item: ActivityItem) -> str:
    """A stable handle for one activity item, for "pick the event concerned" forms."""
    return f"{item.at.isoformat()}|{item.kind}"


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def prepared_context(*, customer: DeskCustomer, event_key: str = "") -> dict[str, Any]:
    """What the desk attaches when a request opens: an account snapshot and the event concerned.

    ``event_key`` (from :func:`activity_key`) picks one of the customer's own records;
    an unknown key attaches nothing rather than trusting what the client sent.
    """
    context = customer_context(customer, activity_limit=50)
    prepared: dict[str, Any] = {"captured_at": timezone.now().isoformat()}
    if not context.available:
        prepared["unavailable"] = True
        return prepared
    if context.summary is not None:
        summary = asdict(context.summary)
        prepared["account"] = _jsonable(
            {k: summary[k] for k in ("customer_ref", "display_name", "state", "locked_until",
                                     "two_factor_enabled", "verification_level",
                                     "withdrawals_blocked_until")}
        )
    if event_key:
        for item in context.activity:
            if activity_key(item) == event_key:
                prepared["event"] = _jsonable(asdict(item))
                break
    return prepared


@transaction.atomic
def identity_reveal(
    *, conversation: Conversation, identity_id: int, actor: User, reason: str
) -> str:
    """Show an agent one masked address of the conversation's customer, with an audit row.

    The caller has checked that ``actor`` may see ``conversation``.
    """
    reason = reason.strip()
    if len(reason) < 3:
        raise DeskError("reason_required")
    identity = CustomerIdentity.objects.filter(
        pk=identity_id, customer_id=conversation.customer_id
    ).first()
    if identity is None:
        raise DeskError("not_found")
    audit_record(
        actor=actor,
        action="desk.pii_reveal",
        target=identity,
        reason=reason[:500],
        data={"conversation": conversation.pk, "field": identity.kind},
    )
    record_event(conversation, actor=actor, field="pii_revealed", new=identity.kind,
                 note=reason[:300])
    return identity.address


def mask_address(kind: str, address: str) -> str:
    """Enough to recognise, not enough to use: ``a***@example.com``, ``+86 *** 1234``."""
    if kind == "email" and "@" in address:
        local, domain = address.split("@", 1)
        return f"{local[:1]}***@{domain}"
    if len(address) <= 4:
        return "***"
    return f"{address[:2]}***{address[-2:]}"
