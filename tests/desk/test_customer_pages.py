"""The customer's support pages: own conversations only, queue, rating, transcript, email."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import translation

from kefu.desk import customer_urls
from kefu.desk.models import Conversation, CsatRating, MessageKind, Status
from kefu.desk.services.conversations import conversation_open, conversation_transition
from kefu.desk.services.customers import customer_for_account
from kefu.desk.services.messages import message_post
from kefu.exchange.accounts.models import Customer
from tests.desk.conftest import Desk
from tests.exchange.wallet.conftest import make_customer
from tests.exchange.wallet.test_pages import signed_in

pytestmark = pytest.mark.django_db

PATTERNS = [p for p in customer_urls.urlpatterns if isinstance(p, URLPattern)]
OBJECT_ENDPOINTS = sorted(p.name for p in PATTERNS if p.name and "pk" in p.pattern.converters)
ALL_ENDPOINTS = sorted(p.name for p in PATTERNS if p.name)
# Open to anonymous visitors (a locked-out customer must reach support): "new" is the form,
# "sent" the receipt for requests sent from the same browser session (test_new_request.py).
PUBLIC_ENDPOINTS = {"new", "sent"}
SIGNED_IN_ENDPOINTS = sorted(set(ALL_ENDPOINTS) - PUBLIC_ENDPOINTS)


def test_every_endpoint_is_classified() -> None:
    assert set(ALL_ENDPOINTS) == {"list", "new"} | set(OBJECT_ENDPOINTS)


def _url(name: str, pk: int | None = None) -> str:
    with translation.override("en"):
        return reverse(f"support:{name}", kwargs={"pk": pk} if pk is not None else None)


def _conversation_of(account: Customer, text: str = "我的提现失败了",
                     note_by: User | None = None) -> Conversation:
    customer = customer_for_account(external_ref=str(account.public_id),
                                    display_name="Owner", language="en")
    conversation = conversation_open(customer=customer, channel="web", category="withdrawal",
                                     subject="Withdrawal help")
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER, body=text,
                 author_customer=customer)
    if note_by is not None:
        message_post(conversation_id=conversation.pk, kind=MessageKind.NOTE,
                     body="INTERNAL-NOTE", author_user=note_by)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def owner(db: None) -> Customer:
    return make_customer("owner@example.com", with_2fa=False)


@pytest.fixture
def other(db: None) -> Customer:
    return make_customer("other@example.com", with_2fa=False)


@pytest.mark.parametrize("name", OBJECT_ENDPOINTS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_customers_conversation_is_404(
    client: Client, owner: Customer, other: Customer, name: str, method: str
) -> None:
    conversation = _conversation_of(owner, text="SECRET-OWNER-TEXT")
    signed_in(client, other)
    response = getattr(client, method)(_url(name, conversation.pk), {"score": "5"})
    assert response.status_code in (404, 405)
    assert b"SECRET-OWNER-TEXT" not in response.content
    assert not CsatRating.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("name", SIGNED_IN_ENDPOINTS)
def test_anonymous_goes_to_the_accounts_login(client: Client, owner: Customer,
                                              name: str) -> None:
    conversation = _conversation_of(owner)
    url = _url(name, conversation.pk if name in OBJECT_ENDPOINTS else None)
    response = client.get(url) if name in ("list", "detail", "transcript") else client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(_url_login())


def _url_login() -> str:
    with translation.override("en"):
        return reverse("accounts:login")


def test_list_and_detail_show_own_messages_without_notes(
    client: Client, owner: Customer, other: Customer, desk: Desk
) -> None:
    mine = _conversation_of(owner, text="<script>alert(1)</script> 提现", note_by=desk.agent)
    theirs = _conversation_of(other)
    signed_in(client, owner)
    listing = client.get(_url("list"))
    assert listing.status_code == 200
    assert _url("detail", mine.pk).encode() in listing.content
    assert _url("detail", theirs.pk).encode() not in listing.content
    detail = client.get(_url("detail", mine.pk))
    assert detail.status_code == 200
    assert b"INTERNAL-NOTE" not in detail.content
    assert b"<script>alert(1)" not in detail.content
    assert b"&lt;script&gt;" in detail.content
    assert b"in the queue" in detail.content  # open, unassigned, in the Support team


def test_rating_after_resolution(client: Client, owner: Customer, desk: Desk) -> None:
    conversation = _conversation_of(owner)
    signed_in(client, owner)
    assert b'name="score"' not in client.get(_url("detail", conversation.pk)).content
    client.post(_url("rate", conversation.pk), {"score": "5"})
    assert not CsatRating.objects.exists()  # not resolved yet
    conversation_transition(conversation_id=conversation.pk, action="resolve", actor=desk.agent)
    assert b'name="score"' in client.get(_url("detail", conversation.pk)).content
    response = client.post(_url("rate", conversation.pk), {"score": "4", "comment": "快"})
    assert response.status_code == 302
    rating = CsatRating.objects.get()
    assert (rating.score, rating.comment) == (4, "快")
    assert Conversation.objects.get().status == Status.RESOLVED


def test_download_and_email_the_transcript(
    client: Client, owner: Customer,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    Customer.objects.filter(pk=owner.pk).update(anti_phishing_code="BLUE-FOX")
    conversation = _conversation_of(owner)
    signed_in(client, owner)
    pdf = client.get(_url("transcript", conversation.pk))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("transcript_email", conversation.pk))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["owner@example.com"]
    assert sent.body.startswith("Anti-phishing code: BLUE-FOX")
    name, data, kind = sent.attachments[0]
    assert (name, kind) == (f"transcript-{conversation.pk}.pdf", "application/pdf")
    assert data.startswith(b"%PDF-")
