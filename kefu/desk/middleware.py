"""Agents' second factor also guards the Django admin.

The console checks TOTP itself (``views.common``); without this, an agent's password alone
would open /admin/, where customers, audit rows and content live. Staff users who are not
desk agents (no AgentProfile, e.g. content editors) are not affected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from kefu.desk.models import AgentProfile
from kefu.desk.otp import session as otp_session
from kefu.desk.views.common import otp_redirect

_OPEN_ADMIN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/jsi18n/")


class AgentAdminTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            isinstance(user, User)
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith("/admin/")
            and not request.path.startswith(_OPEN_ADMIN_PATHS)
            and AgentProfile.objects.filter(user=user).exists()
            and not otp_session.is_verified(request, user)
        ):
            return otp_redirect(request, user)
        return self.get_response(request)
