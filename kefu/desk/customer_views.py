"""The customer's own support requests, under /<lang>/support/.

Who is signed in is the exchange's business: ``KEFU_CUSTOMER_RESOLVER`` names a callable
(``request -> customer reference or None``) the accounts app provides, so the desk never
imports it. A conversation of anybody else answers 404, exactly like one that does not
exist; anonymous visitors go to the exchange's sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.desk.errors import DeskError
from kefu.desk.models import Conversation, DeskCustomer, MessageKind, Status
from kefu.desk.services.csat import csat_submit
from kefu.desk.services.queue import queue_status
from kefu.desk.tasks import transcript_email_send
from kefu.desk.transcripts import transcript_pdf
from kefu.desk.transcripts.views import pdf_response

P = ParamSpec("P")
CustomerView = Callable[Concatenate[HttpRequest, DeskCustomer | None, P], HttpResponse]


def customer_ref(request: HttpRequest) -> str | None:
    resolver: Callable[[HttpRequest], str | None] = import_string(
        settings.KEFU_CUSTOMER_RESOLVER
    )
    return resolver(request)


def customer_required(view: CustomerView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """The view gets the desk's record of the signed-in customer (None: never wrote to us)."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        ref = customer_ref(request)
        if not ref:
            login = reverse(getattr(settings, "KEFU_CUSTOMER_LOGIN_URL", "accounts:login"))
            return redirect(f"{login}?{urlencode({'next': request.path})}")
        return view(request, DeskCustomer.objects.filter(external_ref=ref).first(),
                    *args, **kwargs)

    return wrapper


def _own(customer: DeskCustomer | None, pk: int) -> Conversation:
    conversation = (
        Conversation.objects.filter(pk=pk, customer=customer).select_related("customer").first()
        if customer is not None
        else None
    )
    if conversation is None:
        raise Http404
    return conversation


@require_GET
@customer_required
def request_list(request: HttpRequest, customer: DeskCustomer | None) -> HttpResponse:
    conversations = (
        Conversation.objects.filter(customer=customer).order_by("-created_at")[:100]
        if customer is not None
        else []
    )
    return render(request, "desk/customer/list.html",
                  {"conversations": conversations, "desk_customer": customer})


@require_GET
@customer_required
def request_detail(request: HttpRequest, customer: DeskCustomer | None, pk: int) -> HttpResponse:
    conversation = _own(customer, pk)
    shown = (
        conversation.messages.exclude(kind=MessageKind.NOTE)
        .select_related("author_user__agent_profile")
        .prefetch_related("revisions")
        .order_by("seq")
    )
    queue = queue_status(conversation=conversation) if conversation.status == Status.OPEN else None
    rated = hasattr(conversation, "csat")
    return render(request, "desk/customer/detail.html", {
        "conversation": conversation,
        "desk_customer": conversation.customer,
        "shown_messages": shown,
        "queue": queue if queue is not None and queue.position else None,
        "wait_minutes": max(1, round(queue.estimated_wait_seconds / 60)) if queue else 0,
        "can_rate": conversation.status in (Status.RESOLVED, Status.CLOSED) and not rated,
        "rating": conversation.csat if rated else None,
        "scores": range(1, 6),
    })


@require_POST
@customer_required
def request_rate(request: HttpRequest, customer: DeskCustomer | None, pk: int) -> HttpResponse:
    conversation = _own(customer, pk)
    try:
        score = int(request.POST.get("score", ""))
    except ValueError:
        score = 0
    try:
        csat_submit(conversation_id=conversation.pk, customer=conversation.customer, score=score,
                    comment=request.POST.get("comment", "")[:2000])
    except DeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("support:detail", pk=conversation.pk)


@require_GET
@customer_required
def request_transcript(request: HttpRequest, customer: DeskCustomer | None,
                       pk: int) -> HttpResponse:
    conversation = _own(customer, pk)
    _transcript, data = transcript_pdf(conversation.pk)
    return pdf_response(conversation.pk, data)


@require_POST
@customer_required
def request_transcript_email(request: HttpRequest, customer: DeskCustomer | None,
                             pk: int) -> HttpResponse:
    conversation = _own(customer, pk)
    transcript_email_send.enqueue(conversation_id=conversation.pk,
                                  customer_id=conversation.customer_id)
    messages.success(request, _("The transcript is on its way to your account's email "
                                "address."))
    return redirect("support:detail", pk=conversation.pk)
