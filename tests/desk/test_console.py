"""The agent console pages, in both languages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.core.models import AuditEntry
from kefu.desk.models import MAX_MESSAGE_CHARS, CannedResponse, Message, Status
from kefu.desk.services.customers import identity_add
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en", *args: object) -> str:
    with translation.override(language):
        return reverse(f"desk:{name}", args=args or None)


@pytest.mark.parametrize(("language", "word"), [("zh-hans", "收件箱"), ("en", "Inbox")])
@pytest.mark.parametrize("view", ["mine", "unassigned", "teams", "all"])
def test_inbox_views_render_in_both_languages(
    client: Client, desk: Desk, language: str, word: str, view: str
) -> None:
    open_conversation(desk)
    client.force_login(desk.agent)
    response = client.get(url("inbox", language) + f"?view={view}&status=open&sla=breached"
                          "&category=bogus&channel=web")
    assert response.status_code == 200
    assert word in response.content.decode()


def test_unassigned_inbox_lists_the_waiting_conversation(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk, subject="提现一直处理中")
    client.force_login(desk.agent)
    html = client.get(url("inbox") + "?view=unassigned").content.decode()
    assert "提现一直处理中" in html
    assert url("conversation", "en", conversation.pk) in html
    polled = client.get(url("inbox") + "?view=unassigned", HTTP_HX_REQUEST="true")
    assert "<html" not in polled.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_conversation_page_shows_text_not_html(client: Client, desk: Desk, language: str) -> None:
    conversation = open_conversation(desk, text='<script>alert(1)</script><b>hi</b>')
    client.force_login(desk.agent)
    html = client.get(url("conversation", language, conversation.pk)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reply_with_canned_response_and_resolve(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    canned = CannedResponse.objects.create(
        shortcut="hi", title_zh_hans="问候", title_en="Hi",
        body_zh_hans="{customer_name}您好，我是{agent_name}。", body_en="Hi {customer_name}",
    )
    client.force_login(desk.agent)
    filled = client.get(url("canned", "en", conversation.pk, canned.pk)).content.decode()
    assert "Zhang San您好，我是Alice。" in filled  # conversation language, not the page's
    response = client.post(url("reply", "en", conversation.pk),
                           {"body": "Zhang San您好", "kind": "agent", "client_msg_id": "c1"})
    assert response.status_code == 302
    client.post(url("reply", "en", conversation.pk),
                {"body": "Zhang San您好", "kind": "agent", "client_msg_id": "c1"})
    assert Message.objects.filter(kind="agent").count() == 1  # double submit stored once
    client.post(url("status", "en", conversation.pk), {"action": "resolve"})
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    response = client.post(url("status", "en", conversation.pk), {"action": "resolve"},
                           follow=True)
    assert "not possible" in response.content.decode()
    page = client.get(url("conversation", "zh-hans", conversation.pk)).content.decode()
    history = page[page.index("desk-history"):][:1500]
    assert "状态: 等待客户回复 → 已解决" in history, history  # words, not stored codes


def test_oversized_reply_is_refused_with_a_message(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    client.force_login(desk.agent)
    response = client.post(url("reply", "en", conversation.pk),
                           {"body": "x" * (MAX_MESSAGE_CHARS + 1), "kind": "agent"}, follow=True)
    assert "too long" in response.content.decode()
    assert Message.objects.count() == 1


def test_reveal_with_reason_writes_audit(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    identity = identity_add(customer=desk.customer, kind="email", address="zhang@example.com")
    client.force_login(desk.agent)
    page = client.get(url("conversation", "en", conversation.pk)).content.decode()
    assert "zhang@example.com" not in page
    assert "z***@example.com" in page
    refused = client.post(url("reveal", "en", conversation.pk, identity.pk), {"reason": ""})
    assert refused.status_code == 400
    assert not AuditEntry.objects.exists()
    shown = client.post(url("reveal", "en", conversation.pk, identity.pk),
                        {"reason": "verify address"}, HTTP_HX_REQUEST="true")
    assert "zhang@example.com" in shown.content.decode()
    assert AuditEntry.objects.get().reason == "verify address"


def test_messages_poll_returns_only_new_ones(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    client.force_login(desk.agent)
    html = client.get(url("messages", "en", conversation.pk) + "?after=1").content.decode()
    assert "data-seq" not in html
    html = client.get(url("messages", "en", conversation.pk) + "?after=0").content.decode()
    assert 'data-seq="1"' in html


def test_page_queries_do_not_grow_with_rows(client: Client, desk: Desk) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.desk.services.assignment import conversation_assign
    from kefu.desk.services.messages import message_edit, message_post

    client.force_login(desk.agent)
    counts = []
    for n in (2, 12):
        while Message.objects.filter(kind="customer").count() < n:
            c = open_conversation(desk)
            conversation_assign(conversation_id=c.pk, assignee=desk.agent, actor=desk.agent)
            m = message_post(conversation_id=c.pk, kind="agent", body="a",
                             author_user=desk.agent).message
            message_edit(message_id=m.pk, editor=desk.agent, body="b")
        with CaptureQueriesContext(connection) as inbox_queries:
            client.get(url("inbox") + "?view=all&status=any")
        with CaptureQueriesContext(connection) as page_queries:
            client.get(url("conversation", "en", c.pk))
        counts.append((len(inbox_queries), len(page_queries)))
    assert counts[0] == counts[1]
