"""Actions support may take (through the exchange gateway), each with an audit row.

Who may decide is the desk's business (approvals come with later issues); these only act.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kefu.core.audit import audit_record
from kefu.exchange.accounts.lockout import CLEARED
from kefu.exchange.accounts.models import ActivityKind, BackupCode, CustomerState, TotpDevice
from kefu.exchange.accounts.services.common import (
    AccountError,
    customer_for_update,
    record_activity,
    set_counter,
    start_cooldown,
)
from kefu.exchange.accounts.services.freeze import customer_freeze
from kefu.exchange.accounts.tasks import notify


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise AccountError("reason_required")
    return reason


@transaction.atomic
def support_unlock(*, customer_id: int, actor_label: str, reason: str,
                   actor: AbstractBaseUser | None = None) -> None:
    reason = _require_reason(reason)
    now = timezone.now()
    customer = customer_for_update(customer_id)
    before = customer.effective_state(now)
    set_counter(customer, CLEARED)
    customer.save(update_fields=["failed_logins", "failed_window_started_at", "locked_until",
                                 "state"])
    record_activity(customer, ActivityKind.UNLOCKED, now=now)
    audit_record(actor=actor, action="accounts.unlock", target=customer, reason=reason,
                 data={"before": before}, system_label=actor_label)


def support_freeze(*, customer_id: int, actor_label: str, reason: str,
                   actor: AbstractBaseUser | None = None) -> None:
    customer_freeze(customer_id=customer_id, source="support", reason=_require_reason(reason),
                    actor_label=actor_label, actor=actor)


@transaction.atomic
def support_unfreeze(*, customer_id: int, actor_label: str, reason: str,
                     actor: AbstractBaseUser | None = None) -> None:
    reason = _require_reason(reason)
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if customer.state != CustomerState.FROZEN:
        raise AccountError("not_frozen")
    customer.state = CustomerState.ACTIVE
    set_counter(customer, CLEARED)
    # Whoever froze it may have had reason to: keep money in place for a while.
    start_cooldown(customer, reason="unfrozen", now=now)
    customer.save()
    record_activity(customer, ActivityKind.UNFROZEN, now=now)
    audit_record(actor=actor, action="accounts.unfreeze", target=customer, reason=reason,
                 system_label=actor_label)


@transaction.atomic
def support_reset_2fa(*, customer_id: int, actor_label: str, reason: str,
                      actor: AbstractBaseUser | None = None) -> None:
    reason = _require_reason(reason)
    now = timezone.now()
    customer = customer_for_update(customer_id)
    had = {"totp": customer.totp_enabled, "sms": customer.sms_2fa_enabled}
    TotpDevice.objects.filter(customer=customer).delete()
    BackupCode.objects.filter(customer=customer).delete()
    customer.sms_2fa_enabled = False
    start_cooldown(customer, reason="2fa_reset", now=now)
    customer.save(update_fields=["sms_2fa_enabled", "withdrawal_cooldown_until",
                                 "cooldown_reason"])
    record_activity(customer, ActivityKind.TWO_FACTOR_RESET, now=now)
    audit_record(actor=actor, action="accounts.reset_2fa", target=customer, reason=reason,
                 data={"had": had}, system_label=actor_label)
    notify(customer, "security_change", {"what": "2fa_reset"})
