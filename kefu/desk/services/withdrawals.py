"""The customer's withdrawals in the context panel, and retry/cancel on their behalf.

Gateway calls are network I/O: they run outside any transaction; only the conversation's
record of the action (system message, history row, audit row) is written in one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import get_language

from kefu.core.audit import audit_record
from kefu.desk.errors import DeskError
from kefu.desk.models import Conversation, DeskCustomer, MessageKind, Status
from kefu.desk.services.common import record_event
from kefu.desk.services.messages import message_post
from kefu.gateway import (
    ActionRefused,
    GatewayError,
    UnknownWithdrawal,
    WithdrawalSummary,
    get_gateway,
)

logger = logging.getLogger(__name__)

WithdrawalAction = Literal["retry", "cancel"]

NOTICES = {
    "retry": {"zh-hans": "客服已为您重新提交提现 {ref}（{amount} {asset}）。",
              "en": "Support retried your withdrawal {ref} ({amount} {asset})."},
    "cancel": {"zh-hans": "客服已为您取消提现 {ref}（{amount} {asset}）。",
               "en": "Support cancelled your withdrawal {ref} ({amount} {asset})."},
}


class WithdrawalActionFailed(Exception):
    """The exchange refused or could not be reached; ``message`` is for the agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WithdrawalRow:
    summary: WithdrawalSummary
    masked_address: str
    reason_title: str
    next_step: str


@dataclass(frozen=True)
class WithdrawalPanel:
    available: bool
    is_account: bool
    rows: list[WithdrawalRow] = field(default_factory=list)


def mask_chain_address(address: str) -> str:
    """First 6 and last 4 characters: enough to compare with what the customer says."""
    if len(address) <= 10:
        return address[:2] + "…" if address else ""
    return f"{address[:6]}…{address[-4:]}"


def _row(summary: WithdrawalSummary, language: str) -> WithdrawalRow:
    reason = summary.reason
    chinese = language.startswith("zh")
    return WithdrawalRow(
        summary=summary,
        masked_address=mask_chain_address(summary.address),
        reason_title=(reason.title_zh_hans if chinese else reason.title_en) if reason else "",
        next_step=(reason.next_step_zh_hans if chinese else reason.next_step_en) if reason else "",
    )


def customer_withdrawals(customer: DeskCustomer, *, limit: int = 10) -> WithdrawalPanel:
    """The latest withdrawals, with reasons in the agent's language; never raises."""
    if not customer.external_ref:
        return WithdrawalPanel(available=True, is_account=False)
    try:
        items = get_gateway().withdrawals(customer.external_ref, limit=limit)
    except Exception:
        logger.warning("withdrawals unavailable for customer %s", customer.pk, exc_info=True)
        return WithdrawalPanel(available=False, is_account=True)
    language = get_language() or "zh-hans"
    return WithdrawalPanel(available=True, is_account=True,
                           rows=[_row(item, language) for item in items])


def withdrawal_act(
    *, conversation: Conversation, withdrawal_ref: str, action: WithdrawalAction, actor: User,
    reason: str,
) -> WithdrawalSummary:
    """Retry or cancel one of the conversation's customer's withdrawals.

    The caller has checked that ``actor`` may see ``conversation``. The withdrawal must
    belong to that customer: an agent cannot act on any reference they type.
    """
    reason = reason.strip()
    if len(reason) < 3:
        raise DeskError("reason_required")
    customer_ref = conversation.customer.external_ref
    if not customer_ref:
        raise DeskError("not_found")
    gateway = get_gateway()
    try:
        current = gateway.withdrawal(withdrawal_ref)
        if current.customer_ref != customer_ref:
            raise DeskError("not_found")
        if action == "retry":
            result = gateway.retry_withdrawal(
                withdrawal_ref, actor_label=actor.get_username(), reason=reason
            )
        else:
            result = gateway.cancel_withdrawal(
                withdrawal_ref, actor_label=actor.get_username(), reason=reason
            )
    except UnknownWithdrawal as exc:
        raise DeskError("not_found") from exc
    except ActionRefused as exc:
        raise WithdrawalActionFailed(str(exc)) from exc
    except GatewayError as exc:
        logger.warning("withdrawal %s failed for %s", action, withdrawal_ref, exc_info=True)
        raise WithdrawalActionFailed("") from exc
    _record(conversation=conversation, action=action, before=current, after=result,
            actor=actor, reason=reason)
    return result


@transaction.atomic
def _record(
    *, conversation: Conversation, action: WithdrawalAction, before: WithdrawalSummary,
    after: WithdrawalSummary, actor: User, reason: str,
) -> None:
    audit_record(actor=actor, action=f"desk.withdrawal_{action}", reason=reason[:500],
                 data={"conversation": conversation.pk, "withdrawal": before.ref,
                       "result": after.ref, "state": after.state})
    record_event(conversation, actor=actor, field=f"withdrawal_{action}",
                 old=f"{before.ref} {before.state}", new=f"{after.ref} {after.state}",
                 note=reason)
    if conversation.status != Status.CLOSED:
        language = "en" if conversation.language == "en" else "zh-hans"
        text = NOTICES[action][language].format(ref=before.ref, amount=before.amount,
                                                asset=before.asset)
        message_post(conversation_id=conversation.pk, kind=MessageKind.SYSTEM, body=text)
