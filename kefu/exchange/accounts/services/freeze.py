"""Freezing: no sign-in, no withdrawal, every session ended, a support request opened."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kefu.core.audit import audit_record
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.desk_link import hand_over_on_commit
from kefu.exchange.accounts.models import (
    ActivityEvent,
    ActivityKind,
    Customer,
    CustomerState,
    SupportRequest,
)
from kefu.exchange.accounts.services.common import (
    customer_for_update,
    end_all_sessions,
    record_activity,
)
from kefu.exchange.accounts.tasks import notify
from kefu.gateway.events import emit

RECENT_ACTIVITY_IN_REQUEST = 20


def _recent_activity(customer: Customer) -> list[dict[str, str]]:
    events = ActivityEvent.objects.filter(customer=customer)[:RECENT_ACTIVITY_IN_REQUEST]
    return [
        {
            "at": e.created_at.isoformat(),
            "kind": e.kind,
            "ip": e.ip or "",
            "device": e.device_label,
            "location": e.location,
        }
        for e in events
    ]


@transaction.atomic
def customer_freeze(
    *,
    customer_id: int,
    source: str,
    reason: str = "",
    actor_label: str = "customer",
    actor: AbstractBaseUser | None = None,
    client: ClientInfo | None = None,
) -> bool:
    """Freeze at once. ``source``: "link" (security email), "security_page" or "support".

    Returns False when the account was frozen already (nothing changes, nothing is sent).
    """
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if customer.state == CustomerState.FROZEN:
        return False
    customer.state = CustomerState.FROZEN
    end_all_sessions(customer, now=now)
    customer.save(update_fields=["state", "session_generation"])
    record_activity(customer, ActivityKind.FROZEN, now=now, client=client, data={"source": source})
    if source != "support":
        support_request = SupportRequest.objects.create(
            customer=customer,
            kind="freeze",
            created_at=now,
            summary={"source": source, "recent_activity": _recent_activity(customer)},
        )
        hand_over_on_commit(support_request)
    audit_record(
        actor=actor, action="accounts.freeze", target=customer, reason=reason,
        data={"source": source}, system_label=actor_label,
    )
    notify(customer, "frozen")
    emit("account.frozen", {"customer_ref": customer.public_id, "source": source})
    return True
