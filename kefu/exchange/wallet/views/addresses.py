"""The address book and the "withdraw only to saved addresses" switch."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.views.common import customer_required
from kefu.exchange.wallet.forms import AddressForm
from kefu.exchange.wallet.models import AddressBookEntry, WalletPreferences
from kefu.exchange.wallet.services.addressbook import (
    address_delete,
    address_save,
    saved_addresses_only_set,
)
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.views.common import customer_of


@require_http_methods(["GET", "POST"])
@customer_required
def address_book(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            address_save(customer_id=customer.pk, network_id=data["network"],
                         label=data["label"], address=data["address"], memo=data["memo"],
                         two_factor_code=data["code"], client=ClientInfo.from_request(request))
        except WalletError as error:
            form.add_error(error.field if error.field in form.fields else None,
                           str(error.message))
        else:
            messages.success(request, _("Address saved. It can be used once the safety hold "
                                        "ends."))
            return redirect("wallet:addresses")
    entries = AddressBookEntry.objects.filter(customer=customer).select_related(
        "network__asset")
    only_saved = WalletPreferences.objects.filter(customer=customer,
                                                  saved_addresses_only=True).exists()
    return render(request, "wallet/addresses.html", {
        "form": form, "entries": entries, "only_saved": only_saved, "now": timezone.now()})


@require_POST
@customer_required
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        address_delete(customer_id=customer_of(request).pk, entry_id=pk)
    except WalletError as error:
        messages.error(request, str(error.message))
    return redirect("wallet:addresses")


@require_POST
@customer_required
def saved_only(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    try:
        saved_addresses_only_set(customer_id=customer_of(request).pk, enabled=enabled,
                                 two_factor_code=request.POST.get("code", ""),
                                 client=ClientInfo.from_request(request))
    except WalletError as error:
        messages.error(request, str(error.message))
    return redirect("wallet:addresses")
