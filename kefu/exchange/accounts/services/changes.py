"""Changes a signed-in customer makes to the account: password, email, phone, SMS 2FA off.

Each asks for the current password and, when 2FA is on, a second factor (``authorise``),
writes an activity event, sends a security notice (anti-phishing code, freeze link) and
pauses withdrawals for ``KEFU_SECURITY_COOLDOWN_HOURS``. A refusal raises ``AccountError``
*after* the transaction committed, so wrong passwords and codes keep counting towards
the lockout.

A new email address or phone number must be proven first: ``*_change_start`` sends a
code to the new address (bound to it: ``OneTimeCode.target``), ``*_change_confirm``
switches once the code comes back; the old address gets a notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.identifiers import mask_email, mask_phone
from kefu.exchange.accounts.models import (
    ActivityKind,
    CodePurpose,
    CooldownReason,
    Customer,
    CustomerSession,
    OneTimeCode,
)
from kefu.exchange.accounts.services.codes import (
    code_consume,
    code_issue,
    code_recently_issued,
)
from kefu.exchange.accounts.services.common import (
    AccountError,
    customer_for_update,
    record_activity,
    start_cooldown,
)
from kefu.exchange.accounts.services.sensitive import authorise
from kefu.exchange.accounts.tasks import notify, send_email, send_sms

Field = Literal["email", "phone"]
_PURPOSE: dict[Field, CodePurpose] = {
    "email": CodePurpose.NEW_EMAIL,
    "phone": CodePurpose.NEW_PHONE,
}


def _end_other_sessions(customer: Customer, *, keep_session_id: int | None, now: datetime) -> int:
    """Sign out every other browser: bump the generation, end their rows.

    The caller re-stamps its own session with the new generation (``session.restamp``).
    """
    customer.session_generation += 1
    others = CustomerSession.objects.filter(customer=customer, ended_at__isnull=True)
    if keep_session_id is not None:
        others = others.exclude(pk=keep_session_id)
    return others.update(ended_at=now)


def password_change(
    *,
    customer_id: int,
    current_password: str,
    new_password: str,
    code: str,
    client: ClientInfo,
    keep_session_id: int | None,
) -> int:
    """Set a new password; every other session ends. Returns the new session generation.

    Raises ``AccountError`` "locked", "wrong_password" or "two_factor_invalid".
    """
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        refusal = authorise(customer, password=current_password, code=code, client=client,
                            now=now)
        if refusal is None:
            customer.set_password(new_password)
            start_cooldown(customer, reason=CooldownReason.PASSWORD_CHANGED, now=now)
            ended = _end_other_sessions(customer, keep_session_id=keep_session_id, now=now)
            customer.save(update_fields=["password", "session_generation",
                                         "withdrawal_cooldown_until", "cooldown_reason"])
            record_activity(customer, ActivityKind.PASSWORD_CHANGED, now=now, client=client,
                            data={"other_sessions_ended": ended})
            notify(customer, "security_change", {"what": "password_changed"})
    if refusal is not None:
        raise AccountError(refusal)
    return customer.session_generation


def _taken(field: Field, value: str, customer: Customer) -> bool:
    lookup = {"email": value} if field == "email" else {"phone": value}
    return Customer.objects.filter(**lookup).exclude(pk=customer.pk).exists()


def address_change_start(
    *,
    customer_id: int,
    field: Field,
    new_value: str,
    current_password: str,
    code: str,
    client: ClientInfo,
) -> None:
    """Check password and 2FA, then send a code to ``new_value`` (already normalised).

    Raises ``AccountError``: "same" (it is the current one), "taken", "too_soon" (a code
    went out less than a minute ago), or an ``authorise`` refusal.
    """
    purpose = _PURPOSE[field]
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        refusal: str | None = None
        if new_value == getattr(customer, field):
            refusal = "same"
        elif code_recently_issued(customer=customer, purpose=purpose, now=now):
            refusal = "too_soon"  # checked before the 2FA code is spent
        else:
            refusal = authorise(customer, password=current_password, code=code, client=client,
                                now=now)
        if refusal is None and _taken(field, new_value, customer):
            refusal = "taken"
        if refusal is None:
            secret = code_issue(customer=customer, purpose=purpose, target=new_value,
                                channel="email" if field == "email" else "sms", now=now)
            kind = (ActivityKind.EMAIL_CHANGE_STARTED if field == "email"
                    else ActivityKind.PHONE_CHANGE_STARTED)
            masked = mask_email(new_value) if field == "email" else mask_phone(new_value)
            record_activity(customer, kind, now=now, client=client, data={"new": masked})
            sender = send_email if field == "email" else send_sms
            sender.enqueue(customer_id=customer.pk, kind="confirm_new_address",
                           params={"code": secret}, to=new_value)
    if refusal is not None:
        raise AccountError(refusal)


def pending_address(*, customer_id: int, field: Field) -> str | None:
    """The new address waiting for its code, if a live code was sent (for the page)."""
    row = (
        OneTimeCode.objects.filter(customer_id=customer_id, purpose=_PURPOSE[field],
                                   used_at=None, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    return row.target if row is not None and row.attempts < OneTimeCode.MAX_ATTEMPTS else None


def address_change_confirm(
    *, customer_id: int, field: Field, code: str, client: ClientInfo
) -> str:
    """Switch to the address the code was sent to; returns it.

    Raises ``AccountError`` "wrong_code" (wrong, used, expired or dead after 5 tries) or
    "taken" (someone registered it meanwhile).
    """
    purpose = _PURPOSE[field]
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        new_value = pending_address(customer_id=customer.pk, field=field)
        ok = new_value is not None and code_consume(customer=customer, purpose=purpose,
                                                    code=code, now=now)
    if not ok or new_value is None:
        raise AccountError("wrong_code")
    try:
        with transaction.atomic():
            customer = customer_for_update(customer_id)
            old_value: str | None = getattr(customer, field)
            setattr(customer, field, new_value)
            reason = (CooldownReason.EMAIL_CHANGED if field == "email"
                      else CooldownReason.PHONE_CHANGED)
            start_cooldown(customer, reason=reason, now=now)
            customer.save(update_fields=[field, "withdrawal_cooldown_until", "cooldown_reason"])
            mask = mask_email if field == "email" else mask_phone
            kind = ActivityKind.EMAIL_CHANGED if field == "email" else ActivityKind.PHONE_CHANGED
            record_activity(customer, kind, now=now, client=client,
                            data={"old": mask(old_value), "new": mask(new_value)})
            notify(customer, "security_change", {"what": f"{field}_changed"})
            if old_value:
                sender = send_email if field == "email" else send_sms
                hours: int = settings.KEFU_SECURITY_COOLDOWN_HOURS
                sender.enqueue(customer_id=customer.pk, kind="address_changed_notice",
                               params={"field": field, "masked": mask(new_value),
                                       "hours": hours},
                               to=old_value)
    except IntegrityError:
        raise AccountError("taken") from None
    return new_value


def sms_2fa_disable(
    *, customer_id: int, current_password: str, code: str, client: ClientInfo
) -> None:
    """Turn SMS codes off with the password and a second factor; pauses withdrawals.

    Raises ``AccountError`` "not_enabled" or an ``authorise`` refusal.
    """
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        refusal = "not_enabled" if not customer.sms_2fa_enabled else authorise(
            customer, password=current_password, code=code, client=client, now=now
        )
        if refusal is None:
            customer.sms_2fa_enabled = False
            start_cooldown(customer, reason=CooldownReason.TWO_FACTOR_DISABLED, now=now)
            customer.save(update_fields=["sms_2fa_enabled", "withdrawal_cooldown_until",
                                         "cooldown_reason"])
            OneTimeCode.objects.filter(
                customer=customer, purpose__in=[CodePurpose.LOGIN, CodePurpose.ACTION],
                used_at=None,
            ).update(used_at=now)
            record_activity(customer, ActivityKind.SMS_2FA_DISABLED, now=now, client=client)
            notify(customer, "security_change", {"what": "sms_2fa_disabled"})
    if refusal is not None:
        raise AccountError(refusal)
