"""The withdraw form (review, then confirm with 2FA) and the actions on one withdrawal."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.views.common import customer_required
from kefu.exchange.wallet.forms import CodeForm, ResubmitForm, WithdrawForm
from kefu.exchange.wallet.models import Balance, Network
from kefu.exchange.wallet.services.ending import withdrawal_cancel
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.submit import (
    customer_label,
    input_check,
    withdrawal_resubmit,
    withdrawal_retry,
    withdrawal_submit,
)
from kefu.exchange.wallet.services.support import withdrawal_contact_support
from kefu.exchange.wallet.views.common import customer_of, own_withdrawal


def _networks_table(customer_id: int) -> list[dict[str, object]]:
    available = dict(Balance.objects.filter(customer_id=customer_id)
                     .values_list("asset_id", "available"))
    return [{"network": n, "available": available.get(n.asset_id, Decimal(0))}
            for n in Network.objects.select_related("asset")]


def _show_error(form: WithdrawForm | ResubmitForm | CodeForm, error: WalletError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@require_http_methods(["GET", "POST"])
@customer_required
def withdraw(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request)
    step = request.POST.get("step", "")
    if request.method == "GET":
        initial = {"key": uuid.uuid4().hex}
        if request.GET.get("network", "").isdigit():
            initial["network"] = request.GET["network"]
        form = WithdrawForm(initial=initial)
        return _form_page(request, form)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form)
    data = form.cleaned_data
    network = Network.objects.select_related("asset").get(pk=data["network"])
    try:
        checked = input_check(network=network, address=data["address"], memo=data["memo"],
                              amount=data["amount"])
    except WalletError as error:
        _show_error(form, error)
        return _form_page(request, form)
    code_form = CodeForm(request.POST if step == "confirm" else None)
    if step == "confirm" and code_form.is_valid():
        try:
            withdrawal = withdrawal_submit(
                customer_id=customer.pk, network_id=network.pk, address=data["address"],
                memo=data["memo"], amount=data["amount"], idempotency_key=data["key"],
                two_factor_code=code_form.cleaned_data["code"],
                client=ClientInfo.from_request(request))
        except WalletError as error:
            if error.field == "code" or not error.field:
                code_form.add_error(None, str(error.message))
            else:
                _show_error(form, error)
                return _form_page(request, form)
        else:
            messages.success(request, _("Withdrawal submitted."))
            return redirect("wallet:withdrawal", ref=withdrawal.public_id)
    return render(request, "wallet/withdraw_confirm.html", {
        "form": form, "code_form": code_form, "network": network, "checked": checked,
        "total": checked.amount + network.fee, "precision": network.asset.precision,
    })


def _form_page(request: HttpRequest, form: WithdrawForm) -> HttpResponse:
    customer = customer_of(request)
    return render(request, "wallet/withdraw.html", {
        "form": form, "networks": _networks_table(customer.pk),
        "two_factor": customer.two_factor_enabled,
    })


@require_POST
@customer_required
def retry(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    withdrawal = own_withdrawal(request, ref)
    try:
        again = withdrawal_retry(customer_id=withdrawal.customer_id, withdrawal_id=withdrawal.pk)
    except WalletError as error:
        messages.error(request, str(error.message))
        return redirect("wallet:withdrawal", ref=ref)
    messages.success(request, _("Sent again."))
    return redirect("wallet:withdrawal", ref=again.public_id)


@require_POST
@customer_required
def cancel(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    withdrawal = own_withdrawal(request, ref)
    try:
        withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=withdrawal.customer_id,
                          actor_label=customer_label(customer_of(request)),
                          reason="cancelled by the customer")
    except WalletError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Withdrawal cancelled; the funds are back in your balance."))
    return redirect("wallet:withdrawal", ref=ref)


@require_http_methods(["GET", "POST"])
@customer_required
def resubmit(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    withdrawal = own_withdrawal(request, ref)
    form = ResubmitForm(request.POST or None, initial={"memo": withdrawal.memo})
    if request.method == "POST" and form.is_valid():
        try:
            again = withdrawal_resubmit(
                customer_id=withdrawal.customer_id, withdrawal_id=withdrawal.pk,
                address=form.cleaned_data["address"], memo=form.cleaned_data["memo"],
                two_factor_code=form.cleaned_data["code"],
                client=ClientInfo.from_request(request))
        except WalletError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Withdrawal sent again to the corrected address."))
            return redirect("wallet:withdrawal", ref=again.public_id)
    return render(request, "wallet/resubmit.html", {
        "w": withdrawal, "form": form, "precision": withdrawal.asset.precision})


@require_POST
@customer_required
def contact_support(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    withdrawal = own_withdrawal(request, ref)
    withdrawal_contact_support(customer_id=withdrawal.customer_id, withdrawal_id=withdrawal.pk,
                               message=request.POST.get("message", ""))
    messages.success(request, _("Support has your request with this withdrawal's details "
                                "attached. An agent will reply soon."))
    return redirect("wallet:withdrawal", ref=ref)
