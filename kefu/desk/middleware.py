"""The second factor (TOTP) guards the Django admin for every staff user.

The console checks TOTP itself (``views.common``); without this, a password alone would
open /admin/, where customers, audit rows and content live. Agents are sent to the
console's TOTP pages; other staff (content editors, administrators without an agent
profile) to the admin's own second step (``kefu.desk.otp.staff_views``), which enrols an
authenticator first when they have none.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from kefu.desk.models import AgentProfile
from kefu.desk.otp import session as otp_session
from kefu.desk.otp.staff_views import URL_NAME
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
        ):
            second_step = reverse(f"admin:{URL_NAME}")
            if request.path != second_step and not otp_session.is_verified(request, user):
                if AgentProfile.objects.filter(user=user).exists():
                    return otp_redirect(request, user)
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{second_step}?{query}")
        return self.get_response(request)
