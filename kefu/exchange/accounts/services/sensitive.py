"""The checks other apps call before a sensitive action (the wallet: withdrawals, addresses).

``second_factor_verify`` asks for the customer's second factor and counts a wrong code
towards the sign-in lockout; ``withdrawal_block_reason`` says whether money may leave now.
``authorise`` is the same check plus the current password, for the account's own changes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import CodePurpose, Customer, CustomerState, WithdrawalBlock
from kefu.exchange.accounts.services.common import AccountError, customer_for_update
from kefu.exchange.accounts.services.login import register_customer_failure
from kefu.exchange.accounts.services.twofa import sensitive_check, sms_code_send


class SecondFactorUnavailable(AccountError):
    """The second factor cannot be checked at all: ``code`` is "not_enabled" (the customer
    has no 2FA: the caller decides whether that is acceptable), "locked" (too many wrong
    passwords or codes, until ``locked_until``) or "frozen"."""

    def __init__(self, code: str, locked_until: datetime | None = None) -> None:
        super().__init__(code)
        self.locked_until = locked_until


def second_factor_verify(
    *, customer_id: int, code: str, purpose: str, client: ClientInfo
) -> bool:
    """True when ``code`` is a valid TOTP code, unused backup code or SMS action code.

    The code is consumed (a TOTP step or SMS code is never accepted twice). False for a
    wrong code, which counts towards the lockout and is logged with ``purpose`` (e.g.
    "withdrawal", "withdrawal_address"). Raises ``SecondFactorUnavailable`` before any
    check when the account is frozen, locked or has no second factor.

    Call inside the caller's transaction (it locks the customer row) and let that
    transaction commit when the answer is False, so the failure count sticks: turn the
    False into an error after the ``atomic`` block, not inside it.
    """
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        if customer.state == CustomerState.FROZEN:
            raise SecondFactorUnavailable("frozen")
        if customer.is_locked(now):
            raise SecondFactorUnavailable("locked", customer.locked_until)
        if not customer.two_factor_enabled:
            raise SecondFactorUnavailable("not_enabled")
        return sensitive_check(customer, code[:64], client, now, purpose=purpose[:40])


def second_factor_sms_send(*, customer_id: int) -> bool:
    """Text an action code to a customer with SMS 2FA (at most one a minute).

    False when SMS 2FA is off (no text is sent); the code then works for one
    ``second_factor_verify`` within 10 minutes.
    """
    customer = Customer.objects.filter(pk=customer_id).only("sms_2fa_enabled", "phone").first()
    if customer is None or not customer.sms_2fa_enabled:
        return False
    return sms_code_send(customer_id=customer_id, purpose=CodePurpose.ACTION)


def withdrawal_block_reason(
    customer: Customer, now: datetime | None = None
) -> WithdrawalBlock | None:
    """Why withdrawals are refused now, or None: ``(reason, until)``.

    ``reason`` is "frozen" (``until`` None) or a ``CooldownReason`` value such as
    "password_changed" (``until`` = end of the cool-down). ``block.label`` explains it
    in the active language. Read from the row given: lock it first when deciding a payout.
    """
    return customer.withdrawal_block(now)


def authorise(
    customer: Customer, *, password: str | None, code: str, client: ClientInfo, now: datetime
) -> str | None:
    """The current password (unless None) and, when 2FA is on, a second factor.

    None when both are right, else the refusal code: "locked", "wrong_password",
    "two_factor_invalid". Wrong answers count towards the lockout (commit on refusal).
    """
    if customer.is_locked(now):
        return "locked"
    if password is not None and not customer.check_password(password[:128]):
        result = register_customer_failure(customer, client, now, step="password_check")
        return "locked" if result.outcome == "locked" else "wrong_password"
    if customer.two_factor_enabled and not sensitive_check(customer, code, client, now):
        return "locked" if customer.is_locked(now) else "two_factor_invalid"
    return None
