"""Settings the customer changes with 2FA: anti-phishing code, password."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import ActivityKind
from kefu.exchange.accounts.services.common import (
    AccountError,
    customer_for_update,
    record_activity,
)
from kefu.exchange.accounts.services.twofa import sensitive_check
from kefu.exchange.accounts.tasks import notify


@transaction.atomic
def anti_phishing_set(*, customer_id: int, value: str, code: str, client: ClientInfo) -> bool:
    """Set the code that every email and SMS will carry. Needs 2FA on, and a 2FA code."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if not customer.two_factor_enabled:
        raise AccountError("needs_2fa")
    if not sensitive_check(customer, code, client, now):
        return False
    customer.anti_phishing_code = value
    customer.save(update_fields=["anti_phishing_code"])
    record_activity(customer, ActivityKind.ANTI_PHISHING_SET, now=now, client=client)
    notify(customer, "security_change", {"what": "anti_phishing_set"})
    return True


@transaction.atomic
def activity_mark_reviewed(*, customer_id: int) -> None:
    customer = customer_for_update(customer_id)
    customer.activity_reviewed_at = timezone.now()
    customer.save(update_fields=["activity_reviewed_at"])
