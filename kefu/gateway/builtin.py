"""The gateway to Kefu's own reference exchange, by way of its account services."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from kefu.exchange.accounts.identifiers import (
    mask_email,
    mask_phone,
    normalize_email,
    normalize_phone,
)
from kefu.exchange.accounts.models import ActivityEvent, Customer
from kefu.exchange.accounts.services import support
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.wallet import gateway_api as wallet
from kefu.gateway.interface import (
    AccountSummary,
    ActionRefused,
    ActivityItem,
    UnknownCustomer,
    WithdrawalSummary,
)


def _customer(customer_ref: str) -> Customer:
    try:
        ref = uuid.UUID(customer_ref)
    except ValueError:
        raise UnknownCustomer(customer_ref) from None
    customer = Customer.objects.filter(public_id=ref).first()
    if customer is None:
        raise UnknownCustomer(customer_ref)
    return customer


class BuiltinWithdrawals:
    """Withdrawal reads and support actions: the wallet answers in the gateway's types."""

    def withdrawals(self, customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
        return wallet.withdrawals_for_customer(customer_ref, limit=limit)

    def withdrawal(self, withdrawal_ref: str) -> WithdrawalSummary:
        return wallet.withdrawal_detail(withdrawal_ref)

    def retry_withdrawal(
        self, withdrawal_ref: str, *, actor_label: str, reason: str
    ) -> WithdrawalSummary:
        return wallet.withdrawal_retry_for_support(
            withdrawal_ref, actor_label=actor_label, reason=reason
        )

    def cancel_withdrawal(
        self, withdrawal_ref: str, *, actor_label: str, reason: str
    ) -> WithdrawalSummary:
        return wallet.withdrawal_cancel_for_support(
            withdrawal_ref, actor_label=actor_label, reason=reason
        )


class BuiltinGateway(BuiltinWithdrawals):
    def find_customer(self, *, email: str | None = None, phone: str | None = None) -> str | None:
        try:
            if email:
                customer = Customer.objects.filter(email=normalize_email(email)).first()
            elif phone:
                customer = Customer.objects.filter(phone=normalize_phone(phone)).first()
            else:
                return None
        except ValidationError:
            return None
        return str(customer.public_id) if customer else None

    def account_summary(self, customer_ref: str) -> AccountSummary:
        c = _customer(customer_ref)
        state = c.effective_state()
        return AccountSummary(
            customer_ref=str(c.public_id),
            # Most customers never set a display name; agents still need something to call
            # them by that reveals nothing new.
            display_name=c.display_name or mask_email(c.email) or mask_phone(c.phone),
            masked_email=mask_email(c.email),
            masked_phone=mask_phone(c.phone),
            state=state.value,  # type: ignore[arg-type]  # the three values match
            locked_until=c.locked_until if state == "locked" else None,
            two_factor_enabled=c.two_factor_enabled,
            verification_level=c.verification_level,
            registered_since=c.created_at,
            withdrawals_blocked_until=c.withdrawal_cooldown_until
            if c.withdrawals_blocked()
            else None,
        )

    def recent_activity(self, customer_ref: str, *, limit: int = 20) -> list[ActivityItem]:
        c = _customer(customer_ref)
        return [
            ActivityItem(
                at=e.created_at,
                kind=e.kind,
                description=str(e.get_kind_display()),
                ip=e.ip or "",
                device=e.device_label,
                location=e.location,
            )
            for e in ActivityEvent.objects.filter(customer=c)[:limit]
        ]

    def _act(self, action: str, customer_ref: str, actor_label: str, reason: str) -> None:
        customer = _customer(customer_ref)
        func = {
            "unlock": support.support_unlock,
            "freeze": support.support_freeze,
            "unfreeze": support.support_unfreeze,
            "reset_2fa": support.support_reset_2fa,
        }[action]
        try:
            func(customer_id=customer.pk, actor_label=actor_label, reason=reason)
        except AccountError as exc:
            # A refusal (no reason given, not frozen, ...), the same answer a remote
            # exchange gives with 409; ActionRefused is a GatewayError for older callers.
            raise ActionRefused(exc.code, str(exc) or exc.code) from exc

    def unlock(self, customer_ref: str, *, actor_label: str, reason: str) -> None:
        self._act("unlock", customer_ref, actor_label, reason)

    def freeze(self, customer_ref: str, *, actor_label: str, reason: str) -> None:
        self._act("freeze", customer_ref, actor_label, reason)

    def unfreeze(self, customer_ref: str, *, actor_label: str, reason: str) -> None:
        self._act("unfreeze", customer_ref, actor_label, reason)

    def reset_2fa(self, customer_ref: str, *, actor_label: str, reason: str) -> None:
        self._act("reset_2fa", customer_ref, actor_label, reason)

