"""Sign-up, sign-in (password, then 2FA), sign-out, password reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.exchange.accounts import session
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.forms import (
    LoginForm,
    ResetConfirmForm,
    ResetRequestForm,
    SecondFactorForm,
    SignUpForm,
)
from kefu.exchange.accounts.models import CodePurpose, Customer
from kefu.exchange.accounts.services.common import AccountError
from kefu.exchange.accounts.services.login import LoginResult, login_attempt
from kefu.exchange.accounts.services.reset import reset_complete, reset_request
from kefu.exchange.accounts.services.signin import session_end, signin_complete
from kefu.exchange.accounts.services.signup import customer_sign_up
from kefu.exchange.accounts.services.twofa import login_second_factor, sms_code_send
from kefu.exchange.accounts.views.common import safe_next, set_device_cookie

RESET_KEY = "kefu.accounts.reset_identifier"


def _finish_sign_in(request: HttpRequest, customer_id: int) -> HttpResponse:
    request.session.cycle_key()  # a fresh session id at every sign-in (fixation)
    client = ClientInfo.from_request(request)
    try:
        signed_in = signin_complete(
            customer_id=customer_id, client=client, session_key=request.session.session_key or ""
        )
    except AccountError:
        return redirect("accounts:login")
    session.sign_in(request, signed_in)
    if signed_in.failed_since_last_login:
        messages.warning(
            request,
            ngettext(
                "%(count)d failed sign-in attempt since your last visit. "
                "If it wasn't you, review your activity.",
                "%(count)d failed sign-in attempts since your last visit. "
                "If it wasn't you, review your activity.",
                signed_in.failed_since_last_login,
            )
            % {"count": signed_in.failed_since_last_login},
        )
    response = redirect(safe_next(request, reverse("accounts:security")))
    set_device_cookie(response, signed_in.device_token)
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_sign_up(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                language=get_language() or "zh-hans",
                client=ClientInfo.from_request(request),
            )
        except AccountError:
            form.add_error("identifier", _("This email or phone number is already registered."))
        else:
            return _finish_sign_in(request, customer.pk)
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    result: LoginResult | None = None
    if request.method == "POST" and form.is_valid():
        result = login_attempt(
            identifier=form.cleaned_data["identifier"],
            password=form.cleaned_data["password"],
            client=ClientInfo.from_request(request),
        )
        if result.outcome == "ok" and result.customer_id is not None:
            return _finish_sign_in(request, result.customer_id)
        if result.outcome == "need_2fa" and result.customer_id is not None:
            session.set_pending(request, result.customer_id)
            url = reverse("accounts:login_2fa")
            return redirect(f"{url}?next={safe_next(request, '')}" if safe_next(request, "")
                            else url)
    status = 200 if result is None or result.outcome in {"ok", "need_2fa"} else 400
    return render(request, "accounts/login.html", {"form": form, "result": result},
                  status=status)


@require_http_methods(["GET", "POST"])
def login_2fa(request: HttpRequest) -> HttpResponse:
    customer_id = session.pending_customer_id(request)
    if customer_id is None:
        return redirect("accounts:login")
    customer = Customer.objects.get(pk=customer_id)
    form = SecondFactorForm(request.POST or None)
    result: LoginResult | None = None
    if request.method == "POST" and "send_sms" in request.POST:
        sms_code_send(customer_id=customer_id, purpose=CodePurpose.LOGIN)
        messages.info(request, _("We texted a code to your phone. It is valid for 10 minutes."))
        return redirect(request.get_full_path())
    if request.method == "POST" and form.is_valid():
        result = login_second_factor(
            customer_id=customer_id, code=form.cleaned_data["code"],
            client=ClientInfo.from_request(request),
        )
        if result.outcome == "ok":
            return _finish_sign_in(request, customer_id)
        if result.outcome in {"locked", "frozen"}:
            request.session.pop(session.PENDING_KEY, None)
            return render(request, "accounts/login.html",
                          {"form": LoginForm(), "result": result}, status=400)
    return render(request, "accounts/login_2fa.html",
                  {"form": form, "result": result, "sms_available": customer.sms_2fa_enabled},
                  status=400 if result else 200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    ids = session.session_ids(request)
    if ids is not None:
        session_end(customer_id=ids[0], session_id=ids[1], client=ClientInfo.from_request(request))
    session.forget(request)
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def reset_start(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reset_request(identifier=form.cleaned_data["identifier"])
        request.session[RESET_KEY] = form.cleaned_data["identifier"]
        return redirect("accounts:reset_confirm")
    return render(request, "accounts/reset_start.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_confirm(request: HttpRequest) -> HttpResponse:
    identifier = request.session.get(RESET_KEY)
    if not isinstance(identifier, str):
        return redirect("accounts:reset")
    form = ResetConfirmForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        if reset_complete(
            identifier=identifier, code=form.cleaned_data["code"],
            new_password=form.cleaned_data["password"], client=ClientInfo.from_request(request),
        ):
            request.session.pop(RESET_KEY, None)
            messages.success(request, _(
                "Your password is changed and the account is unlocked. Sign in with the new "
                "password. For your safety, withdrawals are paused for %(hours)d hours."
            ) % {"hours": settings.KEFU_SECURITY_COOLDOWN_HOURS})
            return redirect("accounts:login")
        failed = True
    return render(request, "accounts/reset_confirm.html",
                  {"form": form, "failed": failed, "identifier": identifier},
                  status=400 if failed else 200)
