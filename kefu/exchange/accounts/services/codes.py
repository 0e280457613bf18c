"""One-time codes: issued with a keyed hash, single use, 10 minutes, 5 wrong tries."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.exchange.accounts.crypto import keyed_hash, new_numeric_code, same_hash
from kefu.exchange.accounts.models import CodePurpose, Customer, OneTimeCode

CODE_LIFETIME = timedelta(minutes=10)
RESEND_INTERVAL = timedelta(seconds=60)


def _hash(customer: Customer, purpose: str, code: str) -> str:
    return keyed_hash("one-time-code", f"{customer.pk}:{purpose}:{code.strip()}")


def code_recently_issued(*, customer: Customer, purpose: CodePurpose, now: datetime) -> bool:
    return OneTimeCode.objects.filter(
        customer=customer, purpose=purpose, created_at__gt=now - RESEND_INTERVAL
    ).exists()


def code_issue(*, customer: Customer, purpose: CodePurpose, channel: str, now: datetime,
               target: str = "") -> str:
    """Create a code (older unused codes of the same purpose die); return it in clear."""
    OneTimeCode.objects.filter(customer=customer, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    code = new_numeric_code()
    OneTimeCode.objects.create(
        customer=customer,
        purpose=purpose,
        channel=channel,
        code_hash=_hash(customer, purpose, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        target=target,
    )
    return code


def code_consume(*, customer: Customer, purpose: CodePurpose, code: str, now: datetime) -> bool:
    """True once for the right code; every wrong try counts, the fifth kills the code.

    Call inside a transaction that does not roll back on a False answer, so the count sticks.
    """
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(customer=customer, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.expires_at <= now or row.attempts >= OneTimeCode.MAX_ATTEMPTS:
        return False
    if same_hash(row.code_hash, _hash(customer, purpose, code)):
        row.used_at = now
        row.save(update_fields=["used_at"])
        return True
    row.attempts += 1
    row.save(update_fields=["attempts"])
    return False
