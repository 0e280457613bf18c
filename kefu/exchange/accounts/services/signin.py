"""Completing a sign-in: session row, known devices, new-device email, failed-login burst."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.crypto import keyed_hash, new_device_token
from kefu.exchange.accounts.models import (
    ActivityEvent,
    ActivityKind,
    Customer,
    CustomerSession,
    CustomerState,
    KnownDevice,
)
from kefu.exchange.accounts.services.common import (
    AccountError,
    customer_for_update,
    end_all_sessions,
    record_activity,
)
from kefu.exchange.accounts.tasks import notify
from kefu.gateway.events import emit


@dataclass(frozen=True)
class SignedIn:
    customer_id: int
    session_id: int
    generation: int
    device_token: str  # set as a long-lived cookie by the view
    failed_since_last_login: int
    new_device: bool


def remember_device(customer: Customer, client: ClientInfo) -> tuple[str, bool]:
    """Return the device token to keep, and whether the device or network is new."""
    token = client.device_token or new_device_token()
    token_hash = keyed_hash("device", token)
    now = timezone.now()
    device = KnownDevice.objects.filter(customer=customer, token_hash=token_hash).first()
    seen_ip = (
        client.ip is None
        or KnownDevice.objects.filter(customer=customer, last_ip=client.ip).exists()
        or ActivityEvent.objects.filter(
            customer=customer, kind=ActivityKind.LOGIN_SUCCEEDED, ip=client.ip
        ).exists()
    )
    if device is None:
        KnownDevice.objects.create(
            customer=customer, token_hash=token_hash, label=client.device_label,
            last_ip=client.ip, last_seen_at=now,
        )
    else:
        device.last_seen_at, device.last_ip = now, client.ip
        device.save(update_fields=["last_seen_at", "last_ip"])
    return token, device is None or not seen_ip


@transaction.atomic
def signin_complete(*, customer_id: int, client: ClientInfo, session_key: str) -> SignedIn:
    """Called after the password (and 2FA, if on) were accepted."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    if customer.state == CustomerState.FROZEN or customer.is_locked(now):
        raise AccountError("not_allowed")
    since = customer.last_login_at or customer.created_at
    failed = ActivityEvent.objects.filter(
        customer=customer, kind=ActivityKind.LOGIN_FAILED, created_at__gt=since
    ).count()
    first_login = customer.last_login_at is None
    token, new_device = remember_device(customer, client)
    if new_device and not first_login:
        record_activity(customer, ActivityKind.NEW_DEVICE, now=now, client=client)
        notify(customer, "new_device", {"device": client.device_label, "ip": client.ip or ""})
        emit("login.suspicious", {"customer_ref": customer.public_id,
                                  "device": client.device_label, "ip": client.ip or ""})
    session = CustomerSession.objects.create(
        customer=customer, session_key=session_key, ip=client.ip,
        device_label=client.device_label, last_seen_at=now,
    )
    record_activity(customer, ActivityKind.LOGIN_SUCCEEDED, now=now, client=client,
                    data={"failed_since_last_login": failed})
    customer.last_login_at = now
    customer.save(update_fields=["last_login_at"])
    return SignedIn(customer.pk, session.pk, customer.session_generation, token, failed,
                    new_device and not first_login)


@transaction.atomic
def session_end(*, customer_id: int, session_id: int, client: ClientInfo) -> None:
    now = timezone.now()
    customer = customer_for_update(customer_id)
    ended = CustomerSession.objects.filter(
        pk=session_id, customer=customer, ended_at__isnull=True
    ).update(ended_at=now)
    if ended:
        record_activity(customer, ActivityKind.SIGNED_OUT, now=now, client=client)


@transaction.atomic
def sessions_end_all(*, customer_id: int, client: ClientInfo) -> int:
    """"Sign out everywhere": every browser, this one included, must sign in again."""
    now = timezone.now()
    customer = customer_for_update(customer_id)
    count = end_all_sessions(customer, now=now)
    customer.save(update_fields=["session_generation"])
    record_activity(customer, ActivityKind.SIGNED_OUT_EVERYWHERE, now=now, client=client,
                    data={"sessions": count})
    return count
