"""What the exchange gateway exposes about withdrawals, as plain typed functions.

The desk never imports wallet models: ``kefu.gateway.builtin`` calls these, and they answer
in the gateway's own types (``WithdrawalSummary``, ``FailureReason``) and errors
(``UnknownWithdrawal``, ``ActionRefused``). Customers are named by their public reference
(``Customer.public_id``), withdrawals by theirs.
"""

from __future__ import annotations

import uuid

from django.utils.translation import override

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Withdrawal
from kefu.exchange.wallet.reasons import reason_text
from kefu.exchange.wallet.services.ending import withdrawal_cancel
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.submit import format_amount, withdrawal_retry
from kefu.gateway.interface import (
    ActionRefused,
    FailureReason,
    UnknownWithdrawal,
    WithdrawalSummary,
)


def _reason(code: str) -> FailureReason | None:
    if not code:
        return None
    text = reason_text(code)
    parts: dict[str, str] = {}
    for language, suffix in (("en", "en"), ("zh-hans", "zh_hans")):
        with override(language):
            parts[f"title_{suffix}"] = str(text.title)
            parts[f"explanation_{suffix}"] = str(text.explanation)
            parts[f"next_step_{suffix}"] = str(text.next_step)
    return FailureReason(code=code, **parts)


def _info(w: Withdrawal) -> WithdrawalSummary:
    precision = w.asset.precision
    replaced_by = getattr(w, "replaced_by", None)
    return WithdrawalSummary(
        ref=str(w.public_id), customer_ref=str(w.customer.public_id), created_at=w.created_at,
        asset=w.asset.code, network=w.network.display_name,
        amount=format_amount(w.amount, precision), fee=format_amount(w.fee, precision),
        address=w.address, memo=w.memo, state=w.state, retrying=w.is_retrying,
        reason=_reason(w.failure_reason), tx_hash=w.tx_hash, explorer_url=w.explorer_url,
        can_retry=w.can_retry and replaced_by is None, can_cancel=w.can_cancel,
    )


def _withdrawal(ref: str) -> Withdrawal:
    try:
        public_id = uuid.UUID(ref)
    except ValueError:
        raise UnknownWithdrawal(ref) from None
    found = (Withdrawal.objects.select_related("asset", "network", "customer", "replaced_by")
             .filter(public_id=public_id).first())
    if found is None:
        raise UnknownWithdrawal(ref)
    return found


def withdrawals_for_customer(customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
    """The customer's latest withdrawals, newest first, with reasons in both languages."""
    try:
        public_id = uuid.UUID(customer_ref)
    except ValueError:
        return []
    customer = Customer.objects.filter(public_id=public_id).first()
    if customer is None:
        return []
    rows = (Withdrawal.objects.filter(customer=customer)
            .select_related("asset", "network", "customer", "replaced_by")
            .order_by("-created_at", "-id")[: max(1, min(limit, 100))])
    return [_info(w) for w in rows]


def withdrawal_detail(withdrawal_ref: str) -> WithdrawalSummary:
    return _info(_withdrawal(withdrawal_ref))


def withdrawal_retry_for_support(withdrawal_ref: str, *, actor_label: str,
                                 reason: str) -> WithdrawalSummary:
    """Retry a transiently failed withdrawal on the customer's behalf (audited)."""
    from kefu.core.audit import audit_record

    if not reason.strip():
        raise ActionRefused("reason_required", "a reason is required")
    withdrawal = _withdrawal(withdrawal_ref)
    try:
        again = withdrawal_retry(customer_id=withdrawal.customer_id, withdrawal_id=withdrawal.pk)
    except WalletError as error:
        raise ActionRefused(error.code, str(error.message)) from None
    audit_record(actor=None, action="wallet.withdrawal_retry", target=again, reason=reason,
                 system_label=actor_label, data={"replaces": withdrawal_ref})
    return withdrawal_detail(str(again.public_id))


def withdrawal_cancel_for_support(withdrawal_ref: str, *, actor_label: str,
                                  reason: str) -> WithdrawalSummary:
    """Cancel a withdrawal not yet sent; funds return to the customer's available balance."""
    if not reason.strip():
        raise ActionRefused("reason_required", "a reason is required")
    withdrawal = _withdrawal(withdrawal_ref)
    try:
        withdrawal_cancel(withdrawal_id=withdrawal.pk, actor_label=actor_label, reason=reason)
    except WalletError as error:
        raise ActionRefused(error.code, str(error.message)) from None
    return withdrawal_detail(withdrawal_ref)
