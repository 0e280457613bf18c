"""The second step for staff who are not desk agents (content editors, administrators).

Agents use the console's own TOTP pages; a staff user without an agent profile would get
404 there, so the admin offers this page (``AgentTotpDeviceAdmin.get_urls``): enrol an
authenticator if there is none yet, otherwise type its code. The device, replay refusal
and lockout are the agents' (``kefu.desk.otp.services``).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from kefu.core import totp
from kefu.desk.otp import session as otp_session
from kefu.desk.otp.services import (
    CheckResult,
    device_for,
    otpauth_uri,
    totp_check,
    totp_enrolment_start,
)
from kefu.desk.views.otp import CodeForm, _result_message

URL_NAME = "desk_staff_second_step"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/admin/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


@require_http_methods(["GET", "POST"])
def staff_second_step(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not isinstance(user, User) or not user.is_active or not user.is_staff:
        raise Http404
    if otp_session.is_verified(request, user):
        return redirect(_next_url(request))
    device = device_for(user)
    enrolling = device is None or device.confirmed_at is None
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = totp_check(user=user, code=form.cleaned_data["code"])
        if result is CheckResult.OK:
            otp_session.mark_verified(request, user)
            return redirect(_next_url(request))
        form.add_error("code", _result_message(result))
    context: dict[str, object] = {"form": form, "next": _next_url(request), "staff": True}
    if enrolling:
        device = totp_enrolment_start(user=user)
        context |= {"qr": mark_safe(totp.qr_svg(otpauth_uri(device, user))),
                    "secret": device.secret}
    return render(request, "desk/otp_enrol.html" if enrolling else "desk/otp_verify.html",
                  context, status=400 if form.errors else 200)
