"""The customer's own support requests, under /<lang>/support/.

Who is signed in is the exchange's business: ``KEFU_CUSTOMER_RESOLVER`` names a callable
(``request -> customer reference or None``) the accounts app provides, so the desk never
imports it. A conversation of anybody else answers 404, exactly like one that does not
exist; anonymous visitors go to the exchange's sign-in page.
"""

from __future__ import annotations

import hashlib
import secrets
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
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.ratelimit import window_hits
from kefu.desk.errors import DeskError
from kefu.desk.forms import NewRequestForm
from kefu.desk.models import Conversation, DeskCustomer, MessageKind, Status
from kefu.desk.services.context import activity_key
from kefu.desk.services.csat import csat_submit
from kefu.desk.services.queue import QueueStatus, queue_status
from kefu.desk.services.requests import (
    EVENT_PREFIX,
    WITHDRAWAL_PREFIX,
    RequestRefused,
    customer_records,
    request_open,
)
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


def _queue_context(conversation: Conversation, url: str) -> dict[str, object]:
    """Queue position and wait for an open request; "with an agent" once assigned.

    While the request is open the fragment re-fetches itself from ``url`` (an htmx request
    to the page answers with the fragment alone), so position and wait stay current.
    """
    queue: QueueStatus | None = (
        queue_status(conversation=conversation) if conversation.status == Status.OPEN else None
    )
    return {
        "queue": queue if queue is not None and queue.position else None,
        "wait_minutes": max(1, round(queue.estimated_wait_seconds / 60)) if queue else 0,
        "with_agent": conversation.status == Status.OPEN and conversation.assignee_id is not None,
        "queue_open": conversation.status == Status.OPEN,
        "queue_url": url,
    }


REFUSALS = {
    "not_your_record": gettext_lazy("Choose one of your own withdrawals or events."),
    "too_long": gettext_lazy("The description is too long."),
    "empty": gettext_lazy("Please describe the problem."),
    "invalid": gettext_lazy("The request could not be sent. Please check the form."),
    "rate_limited": gettext_lazy(
        "Too many requests from this network or email address. Please try again in an "
        "hour; your earlier requests have reached us and will be answered."
    ),
}
SENT_SESSION_KEY = "kefu_support_sent"
# Anonymous requests (the locked-out path) need no account, so they are counted: per
# client address and per email address, in a fixed window, in the shared cache (Redis
# when configured, so every app process counts together).
ANONYMOUS_LIMITS = {"ip": 10, "email": 5}
ANONYMOUS_WINDOW_SECONDS = 3600


def _anonymous_over_limit(request: HttpRequest, email: str) -> bool:
    """Count one anonymous request; True when the address or the email is over its limit."""
    email_key = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    values = {"ip": request.META.get("REMOTE_ADDR", ""), "email": email_key}
    counts = {kind: window_hits(f"support.new.{kind}:{values[kind]}",
                                window=ANONYMOUS_WINDOW_SECONDS)
              for kind in ANONYMOUS_LIMITS}  # both counted, even when the first is over
    return any(counts[kind] > limit for kind, limit in ANONYMOUS_LIMITS.items())


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Open a request. Signed-in customers may point at their own records; anonymous
    visitors (perhaps locked out) give an email address and a category only."""
    ref = customer_ref(request) or None
    form = NewRequestForm(request.POST if request.method == "POST" else None,
                          anonymous=ref is None,
                          initial={"nonce": secrets.token_urlsafe(24),
                                   "category": request.GET.get("category", "")})
    limited = (form.is_valid() and ref is None
               and _anonymous_over_limit(request, form.cleaned_data["email"]))
    if limited:
        form.add_error(None, str(REFUSALS["rate_limited"]))
    if form.is_valid():
        data = form.cleaned_data
        try:
            opened = request_open(
                customer_ref=ref, email=data.get("email", ""), display_name="",
                category=data["category"], description=data["description"],
                record=data.get("record", ""), nonce=data["nonce"],
                language=get_language() or "",
            )
        except RequestRefused as exc:
            field = "record" if exc.code == "not_your_record" and "record" in form.fields else None
            form.add_error(field, str(REFUSALS[exc.code]))
        else:
            if ref is not None:
                return redirect("support:detail", pk=opened.conversation_id)
            sent = [pk for pk in request.session.get(SENT_SESSION_KEY, []) if isinstance(pk, int)]
            if opened.conversation_id not in sent:
                sent = [*sent[-19:], opened.conversation_id]
            request.session[SENT_SESSION_KEY] = sent
            return redirect("support:sent", pk=opened.conversation_id)
    records = customer_records(customer_ref=ref) if ref is not None else None
    customer = DeskCustomer.objects.filter(external_ref=ref).first() if ref else None
    return render(request, "desk/customer/new.html", {
        "form": form,
        "records": records,
        "withdrawal_options": [(f"{WITHDRAWAL_PREFIX}{w.ref}", w)
                               for w in (records.withdrawals if records else [])],
        "event_options": [(f"{EVENT_PREFIX}{activity_key(e)}", e)
                          for e in (records.activity if records else [])],
        "signed_in": ref is not None,
        "time_zone": customer.time_zone if customer else settings.TIME_ZONE,
    }, status=429 if limited else 400 if request.method == "POST" else 200)


@require_GET
def request_sent(request: HttpRequest, pk: int) -> HttpResponse:
    """The anonymous visitor's receipt: only for requests sent from this browser session."""
    if pk not in request.session.get(SENT_SESSION_KEY, []):
        raise Http404
    conversation = Conversation.objects.filter(pk=pk).select_related("customer").first()
    if conversation is None:
        raise Http404
    queue = _queue_context(conversation, request.path)
    if request.headers.get("HX-Request"):
        return render(request, "desk/customer/_queue.html", queue)
    return render(request, "desk/customer/sent.html", {"conversation": conversation, **queue})


@require_GET
@customer_required
def request_detail(request: HttpRequest, customer: DeskCustomer | None, pk: int) -> HttpResponse:
    conversation = _own(customer, pk)
    queue = _queue_context(conversation, request.path)
    if request.headers.get("HX-Request"):
        return render(request, "desk/customer/_queue.html", queue)
    shown = (
        conversation.messages.exclude(kind=MessageKind.NOTE)
        .select_related("author_user__agent_profile")
        .prefetch_related("revisions")
        .order_by("seq")
    )
    rated = hasattr(conversation, "csat")
    return render(request, "desk/customer/detail.html", {
        "conversation": conversation,
        "desk_customer": conversation.customer,
        "shown_messages": shown,
        **queue,
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
