"""联系客服 from a withdrawal: a support request that carries the withdrawal's details.

It reuses the accounts app's ``SupportRequest`` (kind ``withdrawal``), which the desk turns
into a conversation; the summary is everything an agent needs without asking again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from kefu.core.audit import audit_record
from kefu.exchange.accounts.desk_link import hand_over_on_commit
from kefu.exchange.accounts.models import SupportRequest
from kefu.exchange.wallet.models import Withdrawal
from kefu.exchange.wallet.reasons import reason_text
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.lock_objects import customer_for_update
from kefu.exchange.wallet.services.submit import customer_label, format_amount

KIND = "withdrawal"


def withdrawal_summary(withdrawal: Withdrawal) -> dict[str, Any]:
    precision = withdrawal.asset.precision
    summary: dict[str, Any] = {
        "withdrawal": str(withdrawal.public_id),
        "state": withdrawal.state,
        "reason": withdrawal.failure_reason,
        "created_at": withdrawal.created_at.isoformat(),
        "asset": withdrawal.asset.code,
        "network": withdrawal.network.display_name,
        "amount": format_amount(withdrawal.amount, precision),
        "fee": format_amount(withdrawal.fee, precision),
        "address": withdrawal.address,
        "memo": withdrawal.memo,
        "tx_hash": withdrawal.tx_hash,
        "attempts": withdrawal.attempts,
    }
    if withdrawal.failure_reason:
        text = reason_text(withdrawal.failure_reason)
        for language in ("zh-hans", "en"):
            with override(language):
                summary[f"explanation_{language}"] = str(text.explanation)
    return summary


@transaction.atomic
def withdrawal_contact_support(*, customer_id: int, withdrawal_id: int,
                               message: str = "") -> SupportRequest:
    """Open (or return the open) support request about this withdrawal."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    withdrawal = Withdrawal.objects.select_related("asset", "network").filter(
        pk=withdrawal_id, customer=customer).first()
    if withdrawal is None:
        raise WalletError("not_found", _("This withdrawal does not exist."))
    open_request = SupportRequest.objects.filter(
        customer=customer, kind=KIND, handed_over_at__isnull=True,
        summary__withdrawal=str(withdrawal.public_id)).first()
    if open_request is not None:
        return open_request
    summary = withdrawal_summary(withdrawal)
    summary["message"] = message.strip()[:2000]
    request = SupportRequest.objects.create(customer=customer, kind=KIND, created_at=now,
                                            summary=summary)
    hand_over_on_commit(request)
    audit_record(actor=None, action="wallet.contact_support", target=withdrawal,
                 system_label=customer_label(customer), data={"request": request.pk})
    return request
