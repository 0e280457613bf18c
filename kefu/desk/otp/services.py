"""Enrolling an agent's authenticator and checking codes, with replay refusal and lockout."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from kefu.core import totp
from kefu.core.audit import audit_record
from kefu.desk.models import AgentTotpDevice

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


class CheckResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"
    NO_DEVICE = "no_device"


def device_for(user: User) -> AgentTotpDevice | None:
    return AgentTotpDevice.objects.filter(user_id=user.pk).first()


@transaction.atomic
def totp_enrolment_start(*, user: User) -> AgentTotpDevice:
    """The agent's pending device, created with a fresh secret if there is none.

    A confirmed device is returned as it is: replacing it needs an admin reset, or anyone
    holding the password could enrol their own phone.
    """
    device, _ = AgentTotpDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"secret": totp.new_secret()}
    )
    return device


def otpauth_uri(device: AgentTotpDevice, user: User) -> str:
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    issuer = f"{names.get('en', 'Kefu')} desk"
    return totp.provisioning_uri(device.secret, account=user.get_username(), issuer=issuer)


@transaction.atomic
def totp_check(*, user: User, code: str, now: datetime | None = None) -> CheckResult:
    """Check one code. Right: the step is used up (no replay) and a pending device confirmed.

    Wrong or replayed codes count; the fifth locks the device for 15 minutes, during
    which even a right code is refused (so guessing gains nothing).
    """
    now = now or timezone.now()
    device = AgentTotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if device is None:
        return CheckResult.NO_DEVICE
    if device.locked_until is not None and device.locked_until > now:
        return CheckResult.LOCKED
    step = totp.matching_step(device.secret, code, last_step=device.last_step, now=now)
    if step is not None:
        changes: dict[str, object] = {"last_step": step, "failed_attempts": 0,
                                      "locked_until": None}
        if device.confirmed_at is None:
            changes["confirmed_at"] = now
            audit_record(actor=user, action="desk.totp_enrolled", target=device)
        AgentTotpDevice.objects.filter(pk=device.pk).update(**changes)
        return CheckResult.OK
    replayed = totp.code_matches_used_step(
        device.secret, code, last_step=device.last_step, now=now
    )
    failures = device.failed_attempts + 1
    if failures >= MAX_FAILURES:
        AgentTotpDevice.objects.filter(pk=device.pk).update(
            failed_attempts=0, locked_until=now + LOCKOUT
        )
        audit_record(actor=user, action="desk.totp_locked", target=device,
                     data={"until": (now + LOCKOUT).isoformat()})
        return CheckResult.LOCKED
    AgentTotpDevice.objects.filter(pk=device.pk).update(failed_attempts=failures)
    return CheckResult.REPLAYED if replayed else CheckResult.WRONG


@transaction.atomic
def totp_demo_device(*, user: User) -> str:
    """A confirmed device for a demo user (idempotent); returns its secret."""
    device, _ = AgentTotpDevice.objects.get_or_create(
        user=user, defaults={"secret": totp.new_secret(), "confirmed_at": timezone.now()}
    )
    if device.confirmed_at is None:
        AgentTotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    return str(device.secret)


@transaction.atomic
def totp_device_reset(*, user: User, actor: User, reason: str = "") -> bool:
    """Remove ``user``'s authenticator (lost phone): they must enrol a new one to sign in.

    Every session of theirs loses its "passed TOTP" mark at once (the mark is bound to the
    device), so the next request asks for enrolment. False when there was no device.
    """
    device = AgentTotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if device is None:
        return False
    audit_record(actor=actor, action="desk.totp_reset", target=user, reason=reason[:300],
                 data={"username": user.get_username(),
                       "was_confirmed": device.confirmed_at is not None})
    device.delete()
    return True
