"""The accounts app's side of the link to the support desk.

The desk never imports ``kefu.exchange`` (its own rule); the accounts app, which owns the
customer's session and the support requests, hands things over through two settings:

* ``KEFU_CUSTOMER_RESOLVER`` points the desk at :func:`customer_ref_for_request`, the
  signed-in customer's gateway reference, and ``KEFU_CUSTOMER_MAILBOX`` at
  :func:`mailbox_for_ref` (verified email and anti-phishing code, for mailing a
  transcript);
* ``KEFU_SUPPORT_REQUEST_SINK`` is the desk function :func:`hand_over_on_commit` calls,
  after the commit, with a plain-dict payload for every new :class:`SupportRequest`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from kefu.exchange.accounts.models import Customer, SupportRequest

logger = logging.getLogger(__name__)


def customer_ref_for_request(request: HttpRequest) -> str | None:
    """The signed-in customer's gateway reference, or None."""
    # Imported here: the session module pulls in the sign-in services, which would make
    # this module (imported by services/freeze.py) part of an import cycle.
    from kefu.exchange.accounts.session import current_customer

    customer = current_customer(request)
    return str(customer.public_id) if customer is not None else None


def mailbox_for_ref(customer_ref: str) -> tuple[str, str] | None:
    """(email, anti-phishing code) of an account with an email address, else None.

    Every address on an account was proven with a code before it was set (sign-up and
    the change flow both confirm it), so the stored address counts as verified.
    """
    customer = Customer.objects.filter(public_id=customer_ref).first()
    if customer is None or not customer.email:
        return None
    return customer.email, customer.anti_phishing_code


def support_request_payload(support_request: SupportRequest) -> dict[str, Any]:
    customer = support_request.customer
    return {
        "request_id": support_request.pk,
        "kind": support_request.kind,
        "customer_ref": str(customer.public_id),
        "display_name": customer.display_name,
        "language": customer.language,
        "created_at": support_request.created_at.isoformat(),
        "summary": support_request.summary,
    }


def hand_over(request_id: int) -> None:
    """Give one request to the desk; marked handed over only once the desk accepted it.

    The desk's receiver is idempotent (the request id is its key), so calling this again
    for a request that was not marked — after a crash, say — never opens a second
    conversation.
    """
    sink_path: str = getattr(settings, "KEFU_SUPPORT_REQUEST_SINK", "")
    support_request = SupportRequest.objects.select_related("customer").filter(
        pk=request_id, handed_over_at__isnull=True
    ).first()
    if not sink_path or support_request is None:
        return
    try:
        import_string(sink_path)(support_request_payload(support_request))
    except Exception:
        logger.exception("support request %s not handed over to the desk", request_id)
        return
    SupportRequest.objects.filter(pk=request_id, handed_over_at__isnull=True).update(
        handed_over_at=timezone.now()
    )


def hand_over_on_commit(support_request: SupportRequest) -> None:
    request_id = support_request.pk
    transaction.on_commit(lambda: hand_over(request_id))


def hand_over_pending() -> int:
    """Re-send every request the desk has not accepted yet (an operator's or a cron's job)."""
    ids = list(SupportRequest.objects.filter(handed_over_at__isnull=True).values_list(
        "pk", flat=True))
    for request_id in ids:
        hand_over(request_id)
    return len(ids)
