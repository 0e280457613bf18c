"""The second step of signing in to the console: enrol an authenticator, then type its code."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kefu.core import totp
from kefu.desk.models import AgentProfile
from kefu.desk.otp import session as otp_session
from kefu.desk.otp.services import (
    CheckResult,
    device_for,
    otpauth_uri,
    totp_check,
    totp_enrolment_start,
)
from kefu.desk.views.common import agent_password_only


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"), min_length=6, max_length=8, strip=True,
        widget=forms.TextInput(attrs={
            "inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True,
            "pattern": "[0-9 ]{6,8}",
        }),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("desk:inbox")


def _result_message(result: CheckResult) -> str:
    if result is CheckResult.LOCKED:
        return _("Too many wrong codes. Two-factor sign-in is locked for 15 minutes.")
    if result is CheckResult.REPLAYED:
        return _("This code was already used. Wait for the next code from your app.")
    return _("That code is not right. Check your phone's clock and try again.")


def _check(request: HttpRequest, profile: AgentProfile, form: CodeForm) -> HttpResponse | None:
    """A redirect into the console on success; None (with ``form`` errors) otherwise."""
    if not form.is_valid():
        return None
    result = totp_check(user=profile.user, code=form.cleaned_data["code"])
    if result is CheckResult.OK:
        otp_session.mark_verified(request, profile.user)
        return redirect(_next_url(request))
    form.add_error("code", _result_message(result))
    return None


@require_http_methods(["GET", "POST"])
@agent_password_only
def otp_enrol(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    existing = device_for(profile.user)
    if existing is not None and existing.confirmed_at is not None:
        return redirect(reverse("desk:otp_verify") + "?" + request.GET.urlencode())
    device = totp_enrolment_start(user=profile.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and (done := _check(request, profile, form)):
        return done
    uri = otpauth_uri(device, profile.user)
    return render(request, "desk/otp_enrol.html", {
        "form": form,
        # qrcode's own SVG: generated from our URI, no user text in it.
        "qr": mark_safe(totp.qr_svg(uri)),
        "secret": device.secret,
        "next": _next_url(request),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@agent_password_only
def otp_verify(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    device = device_for(profile.user)
    if device is None or device.confirmed_at is None:
        return redirect(reverse("desk:otp_enrol") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and (done := _check(request, profile, form)):
        return done
    return render(request, "desk/otp_verify.html", {"form": form, "next": _next_url(request)},
                  status=400 if form.errors else 200)
