"""Second factors: authenticator app (TOTP), backup codes, SMS codes (the weaker option)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.utils import timezone

from kefu.core import totp
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.crypto import (
    keyed_hash,
    new_backup_code,
    normalize_backup_code,
    same_hash,
)
from kefu.exchange.accounts.lockout import CLEARED
from kefu.exchange.accounts.models import (
    ActivityKind,
    BackupCode,
    CodePurpose,
    Customer,
    CustomerState,
    TotpDevice,
)
from kefu.exchange.accounts.services.codes import code_consume, code_issue, code_recently_issued
from kefu.exchange.accounts.services.common import (
    AccountError,
    customer_for_update,
    record_activity,
    set_counter,
    start_cooldown,
)
from kefu.exchange.accounts.services.login import LoginResult, register_customer_failure
from kefu.exchange.accounts.tasks import notify, send_sms

BACKUP_CODE_COUNT = 10
Method = Literal["totp", "backup", "sms"]
_BACKUP_RE = re.compile(r"^[a-z0-9]{10}$")


def _backup_hash(customer: Customer, code: str) -> str:
    return keyed_hash("backup-code", f"{customer.pk}:{normalize_backup_code(code)}")


def backup_codes_regenerate(customer: Customer) -> list[str]:
    """Replace all backup codes; the clear codes are shown once and never stored."""
    BackupCode.objects.filter(customer=customer).delete()
    codes = [new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(customer=customer, code_hash=_backup_hash(customer, c)) for c in codes
    )
    return codes


def _use_backup_code(customer: Customer, code: str, now: datetime) -> bool:
    if not _BACKUP_RE.match(normalize_backup_code(code)):
        return False
    wanted = _backup_hash(customer, code)
    match = None
    for row in BackupCode.objects.select_for_update().filter(customer=customer, used_at=None):
        if same_hash(row.code_hash, wanted):
            match = row
    if match is None:
        return False
    match.used_at = now
    match.save(update_fields=["used_at"])
    return True


def second_factor_check(
    customer: Customer, code: str, now: datetime, *, sms_purpose: CodePurpose = CodePurpose.LOGIN
) -> Method | None:
    """Which factor ``code`` proves, consuming it (TOTP step, backup or SMS code), or None.

    SMS codes count only for their purpose: a sign-in code does not approve a withdrawal.
    Call with the customer row locked.
    """
    device = TotpDevice.objects.select_for_update().filter(
        customer=customer, confirmed_at__isnull=False
    ).first()
    if device is not None:
        step = totp.matching_step(device.secret, code, last_step=device.last_step, now=now)
        if step is not None:
            device.last_step = step
            device.save(update_fields=["last_step"])
            return "totp"
        if _use_backup_code(customer, code, now):
            return "backup"
    if customer.sms_2fa_enabled and code_consume(
        customer=customer, purpose=sms_purpose, code=code, now=now
    ):
        return "sms"
    return None


def sms_code_send(*, customer_id: int, purpose: CodePurpose) -> bool:
    """Text a code to the customer's phone (at most one a minute). False if no phone."""
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        if not customer.phone:
            return False
        if code_recently_issued(customer=customer, purpose=purpose, now=now):
            return True
        code = code_issue(customer=customer, purpose=purpose, channel="sms", now=now)
        kind = {CodePurpose.LOGIN: "login_code", CodePurpose.ACTION: "action_code"}.get(
            purpose, "verify_code"
        )
        send_sms.enqueue(customer_id=customer.pk, kind=kind, params={"code": code})
    return True


@transaction.atomic
def login_second_factor(*, customer_id: int, code: str, client: ClientInfo) -> LoginResult:
    """Second step of a sign-in. Wrong codes count towards the same lockout as passwords."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if customer.is_locked(now):
        return LoginResult("locked", customer.pk, customer.locked_until)
    if customer.state == CustomerState.FROZEN:
        return LoginResult("frozen", customer.pk)
    method = second_factor_check(customer, code, now)
    if method is None:
        return register_customer_failure(customer, client, now, step="2fa")
    if method == "backup":
        record_activity(customer, ActivityKind.BACKUP_CODE_USED, now=now, client=client)
    set_counter(customer, CLEARED)
    customer.save(update_fields=["failed_logins", "failed_window_started_at", "locked_until",
                                 "state"])
    return LoginResult("ok", customer.pk)


def sensitive_check(customer: Customer, code: str, client: ClientInfo, now: datetime,
                    *, purpose: str = "") -> bool:
    """2FA for a sensitive action, inside the action's transaction (customer row locked).

    A wrong code counts towards the lockout; while locked, no code is even tried. The
    transaction must commit on False, or the count is lost (``services/sensitive.py``).
    """
    if customer.is_locked(now):
        return False
    method = second_factor_check(customer, code, now, sms_purpose=CodePurpose.ACTION)
    if method == "backup":
        record_activity(customer, ActivityKind.BACKUP_CODE_USED, now=now, client=client)
    if method is not None:
        return True
    register_customer_failure(customer, client, now, step="sensitive", purpose=purpose)
    return False


@transaction.atomic
def totp_enable(
    *, customer_id: int, secret: str, code: str, client: ClientInfo
) -> list[str] | None:
    """Confirm the app with one of its codes; return the 10 backup codes, or None if wrong."""
    if not totp.is_valid_secret(secret):
        raise AccountError("invalid_secret")
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if customer.totp_enabled:
        raise AccountError("already_enabled")
    step = totp.matching_step(secret, code, last_step=0, now=now)
    if step is None:
        return None
    TotpDevice.objects.update_or_create(
        customer=customer, defaults={"secret": secret, "confirmed_at": now, "last_step": step}
    )
    codes = backup_codes_regenerate(customer)
    record_activity(customer, ActivityKind.TOTP_ENABLED, now=now, client=client)
    notify(customer, "security_change", {"what": "totp_enabled"})
    return codes


@transaction.atomic
def totp_disable(*, customer_id: int, code: str, client: ClientInfo) -> bool:
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if not customer.totp_enabled or not sensitive_check(customer, code, client, now):
        return False
    TotpDevice.objects.filter(customer=customer).delete()
    BackupCode.objects.filter(customer=customer).delete()
    start_cooldown(customer, reason="2fa_disabled", now=now)
    customer.save(update_fields=["withdrawal_cooldown_until", "cooldown_reason"])
    record_activity(customer, ActivityKind.TOTP_DISABLED, now=now, client=client)
    notify(customer, "security_change", {"what": "totp_disabled"})
    return True


@transaction.atomic
def sms_2fa_enable(*, customer_id: int, code: str, client: ClientInfo) -> bool:
    """Turn on SMS codes after the customer typed the code texted to them."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if not customer.phone:
        raise AccountError("no_phone")
    if not code_consume(customer=customer, purpose=CodePurpose.SENSITIVE, code=code, now=now):
        return False
    customer.sms_2fa_enabled = True
    customer.save(update_fields=["sms_2fa_enabled"])
    record_activity(customer, ActivityKind.SMS_2FA_ENABLED, now=now, client=client)
    notify(customer, "security_change", {"what": "sms_2fa_enabled"})
    return True


@transaction.atomic
def backup_codes_replace(*, customer_id: int, code: str, client: ClientInfo) -> list[str] | None:
    """New backup codes (the old ones die) after a 2FA code. None when the code is wrong."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if not customer.totp_enabled:
        raise AccountError("not_enabled")
    if not sensitive_check(customer, code, client, now):
        return None
    codes = backup_codes_regenerate(customer)
    record_activity(customer, ActivityKind.BACKUP_CODES_REGENERATED, now=now, client=client)
    notify(customer, "security_change", {"what": "backup_codes_regenerated"})
    return codes
