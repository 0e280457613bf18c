"""Ending a withdrawal without sending it: fail, cancel, reject. Funds return at once.

Each runs with the balance and the withdrawal locked and checks the state under the lock,
so funds come back exactly once whatever races with it.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.audit import audit_record
from kefu.exchange.wallet.models import (
    CANCELLABLE,
    ENDED,
    Balance,
    EntryKind,
    Withdrawal,
    WithdrawalState,
)
from kefu.exchange.wallet.reasons import FailureReason
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.ledger import ledger_move
from kefu.exchange.wallet.services.lock_objects import withdrawal_with_balance_for_update
from kefu.gateway.events import emit


def end_returning_funds(balance: Balance, withdrawal: Withdrawal, *, state: WithdrawalState,
                        reason: FailureReason | None, detail: str, now: datetime) -> None:
    """Move amount + fee back from in flight to available and end the withdrawal.

    Callers hold the locks; this refuses to run twice on the same withdrawal.
    """
    if withdrawal.state in ENDED:
        raise WalletError("already_ended", _("This withdrawal has already ended."))
    ledger_move(balance, kind=EntryKind.WITHDRAWAL_RELEASE, now=now,
                available=withdrawal.total, in_flight=-withdrawal.total, withdrawal=withdrawal)
    withdrawal.state = state
    withdrawal.failure_reason = reason.value if reason is not None else ""
    withdrawal.failure_detail = detail[:300]
    withdrawal.broadcasting = False
    withdrawal.retry_at = None
    withdrawal.ended_at = now
    withdrawal.updated_at = now
    withdrawal.save()
    if state == WithdrawalState.FAILED:
        emit("withdrawal.failed", {
            "customer_ref": withdrawal.customer.public_id, "withdrawal_ref": withdrawal.public_id,
            "reason_code": withdrawal.failure_reason, "asset": withdrawal.asset.code,
            "network": withdrawal.network.code, "amount": withdrawal.amount,
        })


@transaction.atomic
def withdrawal_fail(*, withdrawal_id: int, reason: FailureReason, detail: str = "") -> bool:
    """Fail a withdrawal that has not completed (system path). False if it already ended."""
    now = timezone.now()
    balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
    if withdrawal.state in ENDED:
        return False
    end_returning_funds(balance, withdrawal, state=WithdrawalState.FAILED, reason=reason,
                        detail=detail, now=now)
    audit_record(actor=None, action="wallet.withdrawal_fail", target=withdrawal,
                 data={"reason": reason.value, "detail": detail[:300]})
    return True


@transaction.atomic
def withdrawal_cancel(*, withdrawal_id: int, actor_label: str, reason: str = "",
                      customer_id: int | None = None,
                      actor: AbstractBaseUser | None = None) -> Withdrawal:
    """Cancel before anything was sent. Loses cleanly to a worker already broadcasting."""
    now = timezone.now()
    balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
    if customer_id is not None and withdrawal.customer_id != customer_id:
        raise WalletError("not_found", _("This withdrawal does not exist."))
    if withdrawal.state not in CANCELLABLE or withdrawal.broadcasting:
        raise WalletError("not_cancellable",
                          _("This withdrawal is already being sent and can no longer be "
                            "cancelled."))
    end_returning_funds(balance, withdrawal, state=WithdrawalState.CANCELLED, reason=None,
                        detail=reason, now=now)
    audit_record(actor=actor, action="wallet.withdrawal_cancel", target=withdrawal,
                 reason=reason, system_label=actor_label)
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal_id: int, actor_label: str, reason: str,
                      actor: AbstractBaseUser | None = None) -> Withdrawal:
    """Support ends a withdrawal held for risk review; the funds return."""
    if not reason.strip():
        raise WalletError("reason_required", _("Give a reason."))
    now = timezone.now()
    balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
    if withdrawal.state != WithdrawalState.RISK_REVIEW:
        raise WalletError("not_in_review", _("This withdrawal is not under review."))
    end_returning_funds(balance, withdrawal, state=WithdrawalState.REJECTED,
                        reason=FailureReason.RISK_REVIEW_HOLD, detail=reason, now=now)
    audit_record(actor=actor, action="wallet.withdrawal_reject", target=withdrawal,
                 reason=reason, system_label=actor_label)
    return withdrawal


@transaction.atomic
def withdrawal_approve(*, withdrawal_id: int, actor_label: str, reason: str,
                       actor: AbstractBaseUser | None = None) -> Withdrawal:
    """Support releases a withdrawal held for risk review; processing continues."""
    from kefu.exchange.wallet.tasks import process_withdrawal

    if not reason.strip():
        raise WalletError("reason_required", _("Give a reason."))
    now = timezone.now()
    _balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
    if withdrawal.state != WithdrawalState.RISK_REVIEW:
        raise WalletError("not_in_review", _("This withdrawal is not under review."))
    withdrawal.state = WithdrawalState.PROCESSING
    withdrawal.failure_reason = ""
    withdrawal.updated_at = now
    withdrawal.save(update_fields=["state", "failure_reason", "updated_at"])
    audit_record(actor=actor, action="wallet.withdrawal_approve", target=withdrawal,
                 reason=reason, system_label=actor_label)
    process_withdrawal.enqueue(withdrawal_id=withdrawal.pk)
    return withdrawal
