"""Pages of signed-in changes: password, email, phone, SMS 2FA off, new backup codes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.exchange.accounts import session
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.forms import (
    ConfirmAddressForm,
    EmailChangeForm,
    PasswordChangeForm,
    PhoneChangeForm,
    SecondFactorForm,
    SmsOffForm,
)
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.services.changes import (
    Field,
    address_change_confirm,
    address_change_start,
    password_change,
    pending_address,
    sms_2fa_disable,
)
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.accounts.services.sensitive import second_factor_sms_send
from kefu.exchange.accounts.services.twofa import backup_codes_replace
from kefu.exchange.accounts.views.common import customer_required, safe_next


def _customer(request: HttpRequest) -> Customer:
    customer: Customer = request.customer  # type: ignore[attr-defined]
    return customer


def _refusal_message(code: str) -> tuple[str, str]:
    """(form field, message) for a refusal code of the change services."""
    texts = {
        "wrong_password": ("current_password", _("The current password is not right. Wrong "
                                                 "passwords count towards the lock.")),
        "two_factor_invalid": ("code", _("This 2FA code is not right. Wrong codes count "
                                         "towards the lock.")),
        "locked": ("__all__", _("Too many wrong passwords or codes: your account is locked "
                                "for now. Try again later, or reset your password.")),
        "taken": ("__all__", _("This address already belongs to another account.")),
        "same": ("__all__", _("This is already your address.")),
        "too_soon": ("__all__", _("We sent a code less than a minute ago. Wait a moment "
                                  "before asking for another.")),
        "wrong_code": ("code", _("The code is wrong or has expired. After 5 wrong tries a "
                                 "code stops working: start again.")),
        "not_enabled": ("__all__", _("This is not turned on.")),
    }
    return texts.get(code, ("__all__", _("This change could not be made.")))


def _add_refusal(form: forms.Form, code: str) -> None:
    field, message = _refusal_message(code)
    form.add_error(None if field == "__all__" or field not in form.fields else field, message)


def _page(request: HttpRequest, template: str, context: dict[str, Any],
          form: forms.Form) -> HttpResponse:
    customer = _customer(request)
    return render(request, template, {
        "form": form, "customer": customer, "two_factor": customer.two_factor_enabled,
        "cooldown_hours": settings.KEFU_SECURITY_COOLDOWN_HOURS, **context,
    }, status=400 if form.errors else 200)


@require_POST
@customer_required
def second_factor_send(request: HttpRequest) -> HttpResponse:
    """"Text me a code" on the change pages, for customers with SMS 2FA."""
    if second_factor_sms_send(customer_id=_customer(request).pk):
        messages.info(request, _("We texted a code to your phone. It is valid for 10 minutes."))
    return redirect(safe_next(request, reverse("accounts:security")))


@require_http_methods(["GET", "POST"])
@customer_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = PasswordChangeForm(request.POST or None, two_factor=customer.two_factor_enabled)
    if request.method == "POST" and form.is_valid():
        ids = session.session_ids(request)
        try:
            generation = password_change(
                customer_id=customer.pk,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password"],
                code=form.cleaned_data.get("code", ""),
                client=ClientInfo.from_request(request),
                keep_session_id=ids[1] if ids else None,
            )
        except AccountError as exc:
            _add_refusal(form, exc.code)
        else:
            session.restamp(request, generation)
            messages.success(request, _("Your password is changed. Every other device was "
                                        "signed out."))
            return redirect("accounts:security")
    return _page(request, "accounts/password_change.html", {}, form)


def _address_change(request: HttpRequest, field: Field) -> HttpResponse:
    customer = _customer(request)
    form_class = EmailChangeForm if field == "email" else PhoneChangeForm
    template = f"accounts/{field}_change.html"
    confirm = ConfirmAddressForm()
    form = form_class(two_factor=customer.two_factor_enabled)
    if request.method == "POST" and "confirm" in request.POST:
        confirm = ConfirmAddressForm(request.POST)
        if confirm.is_valid():
            try:
                address_change_confirm(customer_id=customer.pk, field=field,
                                       code=confirm.cleaned_data["code"],
                                       client=ClientInfo.from_request(request))
            except AccountError as exc:
                _add_refusal(confirm, exc.code)
            else:
                messages.success(request, _("Your new address is confirmed and in use."))
                return redirect("accounts:security")
    elif request.method == "POST":
        form = form_class(request.POST, two_factor=customer.two_factor_enabled)
        if form.is_valid():
            try:
                address_change_start(
                    customer_id=customer.pk, field=field,
                    new_value=form.cleaned_data[f"new_{field}"],
                    current_password=form.cleaned_data["current_password"],
                    code=form.cleaned_data.get("code", ""),
                    client=ClientInfo.from_request(request),
                )
            except AccountError as exc:
                _add_refusal(form, exc.code)
            else:
                return redirect(request.path)
    pending = pending_address(customer_id=customer.pk, field=field)
    response = _page(request, template, {"confirm": confirm, "pending": pending}, form)
    if confirm.errors:
        response.status_code = 400
    return response


@require_http_methods(["GET", "POST"])
@customer_required
def email_change_view(request: HttpRequest) -> HttpResponse:
    return _address_change(request, "email")


@require_http_methods(["GET", "POST"])
@customer_required
def phone_change_view(request: HttpRequest) -> HttpResponse:
    return _address_change(request, "phone")


@require_http_methods(["GET", "POST"])
@customer_required
def sms_2fa_off_view(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if not customer.sms_2fa_enabled:
        return redirect("accounts:sms_2fa")
    form = SmsOffForm(request.POST or None, two_factor=True)
    if request.method == "POST" and form.is_valid():
        try:
            sms_2fa_disable(customer_id=customer.pk,
                            current_password=form.cleaned_data["current_password"],
                            code=form.cleaned_data["code"],
                            client=ClientInfo.from_request(request))
        except AccountError as exc:
            _add_refusal(form, exc.code)
        else:
            messages.success(request, _("SMS 2FA is off."))
            return redirect("accounts:security")
    return _page(request, "accounts/sms_2fa_off.html", {}, form)


@require_http_methods(["GET", "POST"])
@customer_required
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if not customer.totp_enabled:
        return redirect("accounts:totp_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = backup_codes_replace(customer_id=customer.pk,
                                         code=form.cleaned_data["code"],
                                         client=ClientInfo.from_request(request))
        except AccountError as exc:
            codes = None
            _add_refusal(form, exc.code)
        if codes is not None:
            return render(request, "accounts/backup_codes.html",
                          {"codes": codes, "regenerated": True})
        if not form.errors:
            _add_refusal(form, "locked" if _is_locked(customer.pk) else "two_factor_invalid")
    return _page(request, "accounts/backup_codes_regenerate.html", {}, form)


def _is_locked(customer_id: int) -> bool:
    customer = Customer.objects.filter(pk=customer_id).first()
    return customer is not None and customer.is_locked()
