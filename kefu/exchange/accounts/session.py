"""Customer sign-in state in Django's session, separate from staff authentication.

The session holds the customer's id, the account's session generation at sign-in and the
id of the ``CustomerSession`` row. Bumping the generation ("sign out everywhere", freeze,
password reset) or ending the row refuses the session on its next request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kefu.exchange.accounts.models import Customer, CustomerSession, CustomerState
from kefu.exchange.accounts.services.signin import SignedIn

SESSION_KEY = "kefu.accounts.customer"
PENDING_KEY = "kefu.accounts.pending_2fa"
PENDING_MAX_AGE = timedelta(minutes=5)
_CACHE_ATTR = "_kefu_customer"
TOUCH_EVERY = timedelta(minutes=1)


def sign_in(request: HttpRequest, signed_in: SignedIn) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session[SESSION_KEY] = {
        "id": signed_in.customer_id,
        "gen": signed_in.generation,
        "sid": signed_in.session_id,
    }
    setattr(request, _CACHE_ATTR, None)


def session_ids(request: HttpRequest) -> tuple[int, int] | None:
    """(customer id, CustomerSession id) of the signed-in customer, if any."""
    data: Any = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    return int(data["id"]), int(data["sid"])


def current_customer(request: HttpRequest) -> Customer | None:
    cached: Customer | None = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    data: Any = request.session.get(SESSION_KEY)
    try:
        customer_id, session_id, generation = int(data["id"]), int(data["sid"]), int(data["gen"])
    except (KeyError, TypeError, ValueError):
        return None
    customer = Customer.objects.filter(pk=customer_id).first()
    session = CustomerSession.objects.filter(
        pk=session_id, customer_id=customer_id, ended_at__isnull=True
    ).first()
    if (
        customer is None
        or session is None
        or customer.session_generation != generation
        or customer.state == CustomerState.FROZEN
    ):
        request.session.pop(SESSION_KEY, None)
        return None
    now = timezone.now()
    if now - session.last_seen_at > TOUCH_EVERY:
        CustomerSession.objects.filter(pk=session.pk).update(last_seen_at=now)
    setattr(request, _CACHE_ATTR, customer)
    return customer


def forget(request: HttpRequest) -> None:
    request.session.flush()
    setattr(request, _CACHE_ATTR, None)


def set_pending(request: HttpRequest, customer_id: int) -> None:
    request.session[PENDING_KEY] = {"id": customer_id, "at": timezone.now().timestamp()}


def pending_customer_id(request: HttpRequest) -> int | None:
    data: Any = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    age = timezone.now().timestamp() - float(data.get("at", 0))
    if age > PENDING_MAX_AGE.total_seconds():
        request.session.pop(PENDING_KEY, None)
        return None
    return int(data["id"])


def restamp(request: HttpRequest, generation: int) -> None:
    """Keep this browser signed in after a change that signed out every other one."""
    data: Any = request.session.get(SESSION_KEY)
    if isinstance(data, dict):
        request.session[SESSION_KEY] = {**data, "gen": generation}
    setattr(request, _CACHE_ATTR, None)
