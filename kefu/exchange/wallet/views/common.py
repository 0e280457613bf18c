from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Withdrawal


def customer_of(request: HttpRequest) -> Customer:
    """The signed-in customer (set by the accounts app's ``customer_required``)."""
    customer: Customer = request.customer  # type: ignore[attr-defined]
    return customer


def own_withdrawal(request: HttpRequest, ref: uuid.UUID) -> Withdrawal:
    withdrawal = (Withdrawal.objects.select_related("asset", "network", "replaced_by")
                  .filter(public_id=ref, customer=customer_of(request)).first())
    if withdrawal is None:
        raise Http404
    return withdrawal
