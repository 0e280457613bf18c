"""Live pages: the console's hooks for its WebSocket, and the customer's queue position."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kefu.desk import customer_views
from kefu.desk.models import Conversation, MessageKind
from kefu.desk.services.assignment import conversation_assign
from kefu.desk.services.conversations import conversation_open, conversation_resolve
from kefu.desk.services.customers import customer_for_account
from kefu.desk.services.messages import message_post
from kefu.exchange.accounts.models import Customer
from tests.desk.conftest import Desk, open_conversation
from tests.exchange.wallet.conftest import make_customer
from tests.exchange.wallet.test_pages import signed_in

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _url(name: str, lang: str = "en", **kwargs: int) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def test_the_inbox_waits_for_doorbells_and_polls_only_once_a_minute(
    client: Client, desk: Desk
) -> None:
    open_conversation(desk)
    client.force_login(desk.agent)
    page = client.get(_url("desk:inbox") + "?view=unassigned").content.decode()
    assert 'hx-trigger="kefu:inbox from:body, every 60s"' in page
    assert "every 5s" not in page
    assert "desk/console-live" in page
    assert 'data-live-indicator data-state="connecting"' in page

    # The htmx refresh brings the rows and, out of band, the unread counts of every view.
    rows = client.get(_url("desk:inbox") + "?view=unassigned", **HX).content.decode()
    assert 'id="inbox-views" class="desk-views" hx-swap-oob="true"' in rows
    assert "<table" in rows
    assert "<html" not in rows
    counts = rows.split('id="inbox-views"')[1]
    assert 'href="?view=unassigned" aria-current="page">Unassigned <span class="desk-count">1<' \
        in counts


def test_a_conversation_page_names_its_stream(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    client.force_login(desk.agent)
    page = client.get(_url("desk:conversation", "zh-hans", pk=conversation.pk)).content.decode()
    assert f'data-live-conversation="{conversation.public_id}"' in page
    assert "data-live-typing hidden" in page
    assert "客户正在输入" in page  # the typing indicator's text, in the page's language


def test_pages_without_an_agent_load_no_live_script(client: Client) -> None:
    assert b"console-live" not in client.get(_url("desk:login")).content


def _request_of(account: Customer) -> Conversation:
    customer = customer_for_account(external_ref=str(account.public_id),
                                    display_name="Owner", language="en")
    conversation = conversation_open(customer=customer, channel="web", category="withdrawal",
                                     subject="Withdrawal help")
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER, body="help",
                 author_customer=customer)
    return conversation


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_customer_sees_the_queue_move_without_reloading(
    client: Client, desk: Desk, lang: str
) -> None:
    ahead = open_conversation(desk)  # somebody else, waiting longer
    owner = make_customer("owner@example.com", with_2fa=False)
    mine = _request_of(owner)
    signed_in(client, owner)
    url = _url("support:detail", lang, pk=mine.pk)

    page = client.get(url).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 15s" hx-swap="outerHTML"' in page

    def fragment() -> str:
        response = client.get(url, **HX)
        assert response.status_code == 200
        text: str = response.content.decode()
        assert text.startswith('<div id="support-queue"')
        assert "<html" not in text
        return text

    assert ("number 2 in the queue" if lang == "en" else "第 2 位") in fragment()
    conversation_resolve(conversation_id=ahead.pk, actor=desk.agent)
    assert ("number 1 in the queue" if lang == "en" else "第 1 位") in fragment()
    conversation_assign(conversation_id=mine.pk, assignee=desk.agent, actor=desk.agent)
    assert ("An agent has your request" if lang == "en" else "客服") in fragment()
    conversation_resolve(conversation_id=mine.pk, actor=desk.agent)
    assert "hx-trigger" not in fragment()  # nothing left to wait for: the polling stops


def test_the_queue_fragment_of_somebody_elses_request_is_404(client: Client, desk: Desk) -> None:
    owner = make_customer("owner@example.com", with_2fa=False)
    other = make_customer("other@example.com", with_2fa=False)
    theirs = _request_of(other)
    signed_in(client, owner)
    response = client.get(_url("support:detail", pk=theirs.pk), **HX)
    assert response.status_code == 404
    assert b"queue" not in response.content


@pytest.fixture
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _anonymous_form(email: str, n: int) -> dict[str, str]:
    return {"category": "account_access", "description": "账户被锁定了", "email": email,
            "nonce": f"anonymous-nonce-{n:04d}-AAAAAAAAAAAA"}


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Too many requests from this network or email address"),
    ("zh-hans", "来自此网络或邮箱的请求过多"),
])
def test_anonymous_requests_are_limited_per_email(
    desk: Desk, empty_cache: None, lang: str, text: str
) -> None:
    client = Client()
    url = _url("support:new", lang)
    for n in range(customer_views.ANONYMOUS_LIMITS["email"]):
        assert client.post(url, _anonymous_form("locked@example.com", n)).status_code == 302
    refused = client.post(url, _anonymous_form("LOCKED@example.com", 99))
    assert refused.status_code == 429
    assert text in refused.content.decode()
    assert Conversation.objects.count() == customer_views.ANONYMOUS_LIMITS["email"]
    # Somebody else (another address, another network) is not affected.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(url, _anonymous_form("other@example.com", 100)).status_code == 302


def test_anonymous_requests_are_limited_per_network(desk: Desk, empty_cache: None) -> None:
    client = Client()
    url = _url("support:new")
    limit = customer_views.ANONYMOUS_LIMITS["ip"]
    for n in range(limit):
        response = client.post(url, _anonymous_form(f"user{n}@example.com", n))
        assert response.status_code == 302
    assert client.post(url, _anonymous_form("new@example.com", 99)).status_code == 429
    assert Conversation.objects.count() == limit
    # The window passes: the form opens again.
    with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
        cache.clear()  # locmem/Redis expire by their own clock, not time-machine's
        assert client.post(url, _anonymous_form("new@example.com", 100)).status_code == 302


def test_signed_in_customers_are_not_counted(desk: Desk, empty_cache: None) -> None:
    owner = make_customer("owner@example.com", with_2fa=False)
    client = signed_in(Client(), owner)
    url = _url("support:new")
    for n in range(customer_views.ANONYMOUS_LIMITS["ip"] + 1):
        response = client.post(url, {"category": "other", "description": "hello",
                                     "nonce": f"signed-in-nonce-{n:04d}-AAAAAAAA"})
        assert response.status_code == 302
