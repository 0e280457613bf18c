"""Moving a withdrawal through the chain: risk check, broadcast, confirmations.

Each step: (1) claim the withdrawal in a short transaction, (2) call the chain adapter
with no transaction open, (3) record the answer in another short transaction, checking
the state again under the lock. The ``broadcasting`` flag marks step 2, during which a
cancel is refused, so cancel and processing can never both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kefu.core.audit import audit_record
from kefu.exchange.accounts.models import CustomerState
from kefu.exchange.wallet import conf
from kefu.exchange.wallet.chain import TransferRequest, get_adapter
from kefu.exchange.wallet.models import (
    EntryKind,
    NetworkState,
    Withdrawal,
    WithdrawalState,
)
from kefu.exchange.wallet.reasons import FailureReason
from kefu.exchange.wallet.services.ending import end_returning_funds
from kefu.exchange.wallet.services.ledger import ledger_move
from kefu.exchange.wallet.services.lock_objects import (
    withdrawal_for_update,
    withdrawal_with_balance_for_update,
)


@dataclass(frozen=True)
class StepResult:
    """What a processing step did; ``again_in`` asks the task to run again later."""

    state: str
    again_in: float | None = None


def transfer_request(withdrawal: Withdrawal) -> TransferRequest:
    network = withdrawal.network
    return TransferRequest(
        withdrawal_id=withdrawal.public_id, chain=network.chain, network_code=network.code,
        asset_code=withdrawal.asset.code, address=withdrawal.address, memo=withdrawal.memo,
        amount=withdrawal.amount, simulator=network.simulator, attempt=withdrawal.attempts + 1,
    )


def _blocking_reason(withdrawal: Withdrawal) -> FailureReason | None:
    """Conditions that changed since submission and stop the withdrawal before sending."""
    if withdrawal.customer.state == CustomerState.FROZEN:
        return FailureReason.ACCOUNT_FROZEN
    if withdrawal.network.state == NetworkState.SUSPENDED:
        return FailureReason.NETWORK_SUSPENDED
    if withdrawal.network.state == NetworkState.MAINTENANCE:
        return FailureReason.NETWORK_MAINTENANCE
    return None


def _claim(withdrawal_id: int) -> tuple[Withdrawal | None, bool]:
    """Take the withdrawal for one node conversation. (withdrawal, needs risk check)."""
    with transaction.atomic():
        now = timezone.now()
        withdrawal = withdrawal_for_update(withdrawal_id)
        if withdrawal.state not in {WithdrawalState.SUBMITTED, WithdrawalState.PROCESSING}:
            return None, False
        if withdrawal.broadcasting:
            return None, False  # another worker has it
        blocking = _blocking_reason(withdrawal)
        if blocking is not None:
            transaction.on_commit(lambda: _fail_blocked(withdrawal_id, blocking))
            return None, False
        needs_risk = withdrawal.state == WithdrawalState.SUBMITTED
        withdrawal.state = WithdrawalState.PROCESSING
        withdrawal.broadcasting = True
        withdrawal.retry_at = None
        withdrawal.updated_at = now
        withdrawal.save(update_fields=["state", "broadcasting", "retry_at", "updated_at"])
        return withdrawal, needs_risk


def _fail_blocked(withdrawal_id: int, reason: FailureReason) -> None:
    from kefu.exchange.wallet.services.ending import withdrawal_fail

    withdrawal_fail(withdrawal_id=withdrawal_id, reason=reason, detail="checked at processing")


def withdrawal_process(*, withdrawal_id: int) -> StepResult:
    """Risk check and broadcast. Idempotent: a second call on a settled withdrawal is a no-op."""
    withdrawal, needs_risk = _claim(withdrawal_id)
    if withdrawal is None:
        state = Withdrawal.objects.values_list("state", flat=True).get(pk=withdrawal_id)
        return StepResult(state)
    adapter = get_adapter()
    request = transfer_request(withdrawal)
    if needs_risk and adapter.risk_check(request).hold:
        return _record_hold(withdrawal_id)
    result = adapter.broadcast(request)
    with transaction.atomic():
        now = timezone.now()
        balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
        if withdrawal.state != WithdrawalState.PROCESSING or not withdrawal.broadcasting:
            return StepResult(withdrawal.state)
        withdrawal.attempts += 1
        withdrawal.broadcasting = False
        withdrawal.updated_at = now
        if result.outcome == "sent":
            withdrawal.state = WithdrawalState.BROADCAST
            withdrawal.tx_hash = result.tx_hash
            withdrawal.broadcast_at = now
            withdrawal.failure_reason = ""
            withdrawal.save()
            audit_record(actor=None, action="wallet.withdrawal_broadcast", target=withdrawal,
                         data={"tx_hash": result.tx_hash, "attempt": withdrawal.attempts})
            return StepResult(withdrawal.state, again_in=0)
        reason = result.reason or FailureReason.NODE_ERROR
        if result.outcome == "transient" and withdrawal.attempts < conf.max_node_attempts():
            delay = conf.retry_backoff_seconds(withdrawal.attempts)
            withdrawal.retry_at = now + timedelta(seconds=delay)
            withdrawal.failure_reason = reason.value
            withdrawal.failure_detail = result.detail[:300]
            withdrawal.save()
            return StepResult(withdrawal.state, again_in=delay)
        end_returning_funds(balance, withdrawal, state=WithdrawalState.FAILED, reason=reason,
                            detail=result.detail, now=now)
        audit_record(actor=None, action="wallet.withdrawal_fail", target=withdrawal,
                     data={"reason": reason.value, "detail": result.detail[:300]})
        return StepResult(withdrawal.state)


def _record_hold(withdrawal_id: int) -> StepResult:
    with transaction.atomic():
        now = timezone.now()
        withdrawal = withdrawal_for_update(withdrawal_id)
        if withdrawal.state != WithdrawalState.PROCESSING or not withdrawal.broadcasting:
            return StepResult(withdrawal.state)
        withdrawal.state = WithdrawalState.RISK_REVIEW
        withdrawal.broadcasting = False
        withdrawal.failure_reason = FailureReason.RISK_REVIEW_HOLD.value
        withdrawal.updated_at = now
        withdrawal.save(update_fields=["state", "broadcasting", "failure_reason", "updated_at"])
        audit_record(actor=None, action="wallet.withdrawal_hold", target=withdrawal)
        return StepResult(withdrawal.state)


def withdrawal_confirm(*, withdrawal_id: int) -> StepResult:
    """Check confirmations of a broadcast withdrawal; complete it when there are enough."""
    withdrawal = Withdrawal.objects.select_related("network", "asset").get(pk=withdrawal_id)
    if withdrawal.state != WithdrawalState.BROADCAST or withdrawal.broadcast_at is None:
        return StepResult(withdrawal.state)
    status = get_adapter().confirmations(
        transfer_request(withdrawal), tx_hash=withdrawal.tx_hash,
        broadcast_at=withdrawal.broadcast_at, now=timezone.now())
    with transaction.atomic():
        now = timezone.now()
        balance, withdrawal = withdrawal_with_balance_for_update(withdrawal_id)
        if withdrawal.state != WithdrawalState.BROADCAST:
            return StepResult(withdrawal.state)
        if status.failed:
            end_returning_funds(balance, withdrawal, state=WithdrawalState.FAILED,
                                reason=FailureReason.NODE_ERROR, detail=status.detail, now=now)
            audit_record(actor=None, action="wallet.withdrawal_fail", target=withdrawal,
                         data={"reason": FailureReason.NODE_ERROR.value,
                               "detail": status.detail})
            return StepResult(withdrawal.state)
        withdrawal.confirmations = min(status.confirmations, 2**31 - 1)
        withdrawal.updated_at = now
        if status.confirmations < withdrawal.network.confirmations:
            withdrawal.save(update_fields=["confirmations", "updated_at"])
            return StepResult(withdrawal.state, again_in=conf.confirm_poll_seconds())
        ledger_move(balance, kind=EntryKind.WITHDRAWAL_SENT, now=now,
                    in_flight=-withdrawal.total, withdrawal=withdrawal)
        withdrawal.state = WithdrawalState.COMPLETED
        withdrawal.ended_at = now
        withdrawal.save()
        audit_record(actor=None, action="wallet.withdrawal_complete", target=withdrawal)
        return StepResult(withdrawal.state)
