"""The "passed TOTP" flag in the session, bound to the user, their password and device.

The flag is an HMAC, not a boolean: a session of another user, a changed password or a
reset device no longer matches. Django rotates the session key at login, so a flag never
survives into another sign-in.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from kefu.desk.models import AgentTotpDevice

SESSION_KEY = "desk_otp"
_SALT = "kefu.desk.otp.session"


def token_for(user: User, device: AgentTotpDevice) -> str:
    confirmed = device.confirmed_at.isoformat() if device.confirmed_at else ""
    value = f"{user.pk}:{device.pk}:{confirmed}:{user.get_session_auth_hash()}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()


def mark_verified(request: HttpRequest, user: User) -> None:
    device = AgentTotpDevice.objects.get(user_id=user.pk)
    request.session.cycle_key()  # a new privilege level gets a new session id
    request.session[SESSION_KEY] = token_for(user, device)


def is_verified(request: HttpRequest, user: User) -> bool:
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return False
    device: AgentTotpDevice | None
    if User.desk_totp.is_cached(user):
        # read with the user (``select_related("desk_totp")``): no second query
        device = getattr(user, "desk_totp", None)
    else:
        device = AgentTotpDevice.objects.filter(user_id=user.pk).first()
    if device is None or device.confirmed_at is None:
        return False
    return constant_time_compare(stored, token_for(user, device))
