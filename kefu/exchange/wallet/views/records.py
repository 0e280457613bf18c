"""资金记录: the list, and one withdrawal with its reason and what to do."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.exchange.accounts.views.common import customer_required
from kefu.exchange.wallet.forms import CodeForm, RecordFilterForm, ResubmitForm
from kefu.exchange.wallet.models import Balance, WithdrawalState
from kefu.exchange.wallet.reasons import ADDRESS_FIXABLE, reason_text
from kefu.exchange.wallet.selectors import RecordFilter, funds_record
from kefu.exchange.wallet.views.common import customer_of, own_withdrawal

PAGE_SIZE = 20


@require_GET
@customer_required
def record(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request)
    form = RecordFilterForm(request.GET or None)
    filters = RecordFilter()
    if form.is_bound and form.is_valid():
        filters = RecordFilter(**form.cleaned_data)
    page = funds_record(customer_id=customer.pk, filters=filters,
                        cursor=request.GET.get("after", "")[:60], page_size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    balances = (Balance.objects.filter(customer=customer).select_related("asset")
                .order_by("asset__display_order", "asset__code"))
    return render(request, "wallet/record.html", {
        "form": form, "rows": page.rows, "next_cursor": page.next_cursor,
        "filter_query": query.urlencode(), "first_page": not request.GET.get("after"),
        "balances": balances,
    })


@require_GET
@customer_required
def withdrawal_detail(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    withdrawal = own_withdrawal(request, ref)
    reason = reason_text(withdrawal.failure_reason) if withdrawal.failure_reason else None
    replaced_by = getattr(withdrawal, "replaced_by", None)
    fixable = (withdrawal.state == WithdrawalState.FAILED
               and withdrawal.failure_reason in ADDRESS_FIXABLE and replaced_by is None)
    return render(request, "wallet/withdrawal.html", {
        "w": withdrawal, "reason": reason, "replaced_by": replaced_by,
        "can_retry": withdrawal.can_retry and replaced_by is None,
        "can_fix_address": fixable,
        "resubmit_form": ResubmitForm(initial={"memo": withdrawal.memo}) if fixable else None,
        "code_form": CodeForm(),
        "precision": withdrawal.asset.precision,
        "received": withdrawal.amount,
        "show_guide": withdrawal.state in {WithdrawalState.COMPLETED, WithdrawalState.BROADCAST},
    })
