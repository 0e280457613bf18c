"""The "this wasn't me" link from security emails: works without signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.links import read_freeze_token
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.services.freeze import customer_freeze


@require_http_methods(["GET", "POST"])
def freeze_link(request: HttpRequest, token: str) -> HttpResponse:
    public_id = read_freeze_token(token)
    customer = Customer.objects.filter(public_id=public_id).first() if public_id else None
    if customer is None:
        return render(request, "accounts/freeze_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        # A GET (mail scanners prefetch links) only shows the button; the POST freezes.
        customer_freeze(customer_id=customer.pk, source="link",
                        client=ClientInfo.from_request(request))
        return render(request, "accounts/frozen.html")
    return render(request, "accounts/freeze_confirm.html", {"invalid": False})
