"""Pages of a signed-in customer: security checklist, activity, sessions, 2FA, anti-phishing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core import totp
from kefu.exchange.accounts import session
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.forms import AntiPhishingForm, SmsCodeForm, TotpConfirmForm
from kefu.exchange.accounts.models import ActivityEvent, CodePurpose, Customer, CustomerSession
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.accounts.services.freeze import customer_freeze
from kefu.exchange.accounts.services.profile import activity_mark_reviewed, anti_phishing_set
from kefu.exchange.accounts.services.signin import sessions_end_all
from kefu.exchange.accounts.services.twofa import sms_2fa_enable, sms_code_send, totp_enable
from kefu.exchange.accounts.views.common import customer_required

TOTP_SECRET_KEY = "kefu.accounts.totp_secret"  # noqa: S105 - a session key name
REVIEW_FRESH = timedelta(days=30)


def _customer(request: HttpRequest) -> Customer:
    customer: Customer = request.customer  # type: ignore[attr-defined]
    return customer


@require_GET
@customer_required
def security(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    now = timezone.now()
    reviewed = customer.activity_reviewed_at is not None and (
        now - customer.activity_reviewed_at < REVIEW_FRESH
    )
    checklist = [
        {"done": customer.totp_enabled or customer.sms_2fa_enabled,
         "label": _("Two-factor authentication is on"), "article": "setup-2fa-authenticator"},
        {"done": bool(customer.anti_phishing_code),
         "label": _("Anti-phishing code is set"), "article": "anti-phishing-code"},
        {"done": reviewed,
         "label": _("Activity reviewed in the last 30 days"), "article": "devices-and-sessions"},
    ]
    return render(request, "accounts/security.html", {
        "customer": customer,
        "checklist": checklist,
        "hold": customer.withdrawal_block(now),
    })


@require_GET
@customer_required
def activity(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    events = ActivityEvent.objects.filter(customer=customer)[:200]
    activity_mark_reviewed(customer_id=customer.pk)
    return render(request, "accounts/activity.html", {"events": events})


@require_GET
@customer_required
def sessions(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    ids = session.session_ids(request)
    rows = CustomerSession.objects.filter(customer=customer, ended_at__isnull=True)
    return render(request, "accounts/sessions.html",
                  {"sessions": rows, "current_id": ids[1] if ids else None})


@require_POST
@customer_required
def sessions_end_everywhere(request: HttpRequest) -> HttpResponse:
    sessions_end_all(customer_id=_customer(request).pk, client=ClientInfo.from_request(request))
    session.forget(request)
    messages.success(request, _("You are signed out on every device. Sign in again here."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
@customer_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if customer.totp_enabled:
        return render(request, "accounts/totp_setup.html", {"enabled": True})
    secret = request.session.get(TOTP_SECRET_KEY)
    if not isinstance(secret, str) or not totp.is_valid_secret(secret):
        secret = totp.new_secret()
        request.session[TOTP_SECRET_KEY] = secret
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enable(customer_id=customer.pk, secret=secret,
                                code=form.cleaned_data["code"],
                                client=ClientInfo.from_request(request))
        except AccountError:
            codes = None
        if codes is not None:
            request.session.pop(TOTP_SECRET_KEY, None)
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error("code", _("This code is not right. Check the time on your phone and "
                                 "type the code shown now."))
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    uri = totp.provisioning_uri(secret, account=str(customer), issuer=names["en"])
    return render(request, "accounts/totp_setup.html", {
        "form": form, "secret": secret, "qr_svg": totp.qr_svg(uri),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@customer_required
def sms_2fa(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = SmsCodeForm(request.POST or None if "code" in request.POST else None)
    if request.method == "POST" and "send" in request.POST and customer.phone:
        sms_code_send(customer_id=customer.pk, purpose=CodePurpose.SENSITIVE)
        messages.info(request, _("We texted a code to your phone. It is valid for 10 minutes."))
        return redirect("accounts:sms_2fa")
    if request.method == "POST" and form.is_valid():
        if sms_2fa_enable(customer_id=customer.pk, code=form.cleaned_data["code"],
                          client=ClientInfo.from_request(request)):
            messages.success(request, _("SMS 2FA is on."))
            return redirect("accounts:security")
        form.add_error("code", _("The code is wrong or has expired. Request a new one."))
    return render(request, "accounts/sms_2fa.html", {"form": form, "customer": customer})


@require_http_methods(["GET", "POST"])
@customer_required
def anti_phishing(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = AntiPhishingForm(request.POST or None)
    if request.method == "POST" and customer.two_factor_enabled and form.is_valid():
        if anti_phishing_set(customer_id=customer.pk, value=form.cleaned_data["value"],
                             code=form.cleaned_data["code"],
                             client=ClientInfo.from_request(request)):
            messages.success(request, _("Your anti-phishing code is set. Every email and SMS "
                                        "from us will now show it."))
            return redirect("accounts:security")
        form.add_error("code", _("This 2FA code is not right."))
    return render(request, "accounts/anti_phishing.html", {
        "form": form, "customer": customer,
    }, status=400 if form.errors else 200)


@require_POST
@customer_required
def freeze_self(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    customer_freeze(customer_id=customer.pk, source="security_page",
                    client=ClientInfo.from_request(request))
    session.forget(request)
    return render(request, "accounts/frozen.html")
