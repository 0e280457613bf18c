"""Forgotten password: a one-time code to the registered email or phone, then a new password.

Both steps take the same path whether or not the account exists; the code goes out through
the task engine after commit, so the answer does not wait for the mail server either.
A successful reset lifts a lock, ends every session and pauses withdrawals.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.identifiers import parse_identifier
from kefu.exchange.accounts.lockout import CLEARED
from kefu.exchange.accounts.models import ActivityKind, CodePurpose, CustomerState
from kefu.exchange.accounts.services.codes import (
    code_consume,
    code_issue,
    code_recently_issued,
)
from kefu.exchange.accounts.services.common import (
    customer_by_identifier_for_update,
    end_all_sessions,
    record_activity,
    set_counter,
    spend_hasher_time,
    start_cooldown,
)
from kefu.exchange.accounts.tasks import notify, send_email, send_sms


@transaction.atomic
def reset_request(*, identifier: str) -> None:
    """Send a reset code if the account exists and may be reset; answer nothing either way."""
    field, value = parse_identifier(identifier)  # format errors are the form's business
    now = timezone.now()
    customer = customer_by_identifier_for_update(field, value)
    if customer is None or customer.state == CustomerState.FROZEN:
        return
    if code_recently_issued(customer=customer, purpose=CodePurpose.RESET, now=now):
        return  # one code a minute: protects the inbox and the SMS bill
    channel = "email" if field == "email" else "sms"
    code = code_issue(customer=customer, purpose=CodePurpose.RESET, channel=channel, now=now)
    sender = send_email if channel == "email" else send_sms
    sender.enqueue(customer_id=customer.pk, kind="reset_code", params={"code": code})


@transaction.atomic
def reset_complete(*, identifier: str, code: str, new_password: str, client: ClientInfo) -> bool:
    """Set the new password if the code is right. False for any kind of refusal."""
    field, value = parse_identifier(identifier)
    now = timezone.now()
    customer = customer_by_identifier_for_update(field, value)
    if customer is None or customer.state == CustomerState.FROZEN:
        spend_hasher_time(new_password)  # same work as the real path's hashing
        return False
    if not code_consume(customer=customer, purpose=CodePurpose.RESET, code=code, now=now):
        return False
    customer.set_password(new_password)
    was_locked = customer.is_locked(now)
    set_counter(customer, CLEARED)
    start_cooldown(customer, reason="password_reset", now=now)
    end_all_sessions(customer, now=now)
    customer.save()
    record_activity(customer, ActivityKind.PASSWORD_RESET, now=now, client=client,
                    data={"lock_lifted": was_locked})
    notify(customer, "security_change", {"what": "password_reset"})
    return True
