"""Console phase 2: withdrawals in the context panel, search, @mentions, labels, shortcuts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.core.models import AuditEntry
from kefu.desk.models import (
    Conversation,
    ConversationEvent,
    DeskCustomer,
    Label,
    Mention,
    Message,
)
from kefu.desk.services import withdrawals as withdrawal_services
from kefu.desk.services.customers import identity_add
from kefu.desk.services.messages import message_post
from kefu.gateway import (
    ActionRefused,
    FailureReason,
    GatewayError,
    UnknownWithdrawal,
    WithdrawalSummary,
)
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"desk:{name}", args=args)


REASON = FailureReason(
    code="node_timeout", title_en="Network congestion", title_zh_hans="网络拥堵",
    explanation_en="", explanation_zh_hans="", next_step_en="We will retry",
    next_step_zh_hans="我们会重试",
)
FAILED = WithdrawalSummary(
    ref="w-1", customer_ref="cust-1", created_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
    asset="USDT", network="TRC20", amount="500.00", fee="1", address="TXyz12abcdefghijkLMNOP9876",
    memo="", state="failed", retrying=False, reason=REASON, tx_hash="", explorer_url="",
    can_retry=True, can_cancel=True,
)


class FakeGateway:
    def __init__(self, items: list[WithdrawalSummary], fail: Exception | None = None) -> None:
        self.items = {item.ref: item for item in items}
        self.fail = fail
        self.calls: list[tuple[str, str, str, str]] = []

    def withdrawals(self, customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
        if self.fail:
            raise self.fail
        return [w for w in self.items.values() if w.customer_ref == customer_ref][:limit]

    def withdrawal(self, ref: str) -> WithdrawalSummary:
        if ref not in self.items:
            raise UnknownWithdrawal(ref)
        return self.items[ref]

    def _act(self, action: str, ref: str, actor_label: str, reason: str,
             state: str) -> WithdrawalSummary:
        if self.fail:
            raise self.fail
        self.calls.append((action, ref, actor_label, reason))
        return replace(self.items[ref], state=state, can_retry=False, can_cancel=False)

    def retry_withdrawal(self, ref: str, *, actor_label: str, reason: str) -> WithdrawalSummary:
        return self._act("retry", ref, actor_label, reason, "processing")

    def cancel_withdrawal(self, ref: str, *, actor_label: str, reason: str) -> WithdrawalSummary:
        return self._act("cancel", ref, actor_label, reason, "cancelled")


@pytest.fixture
def account(desk: Desk) -> Conversation:
    desk.customer.kind = "account"
    desk.customer.external_ref = "cust-1"
    desk.customer.save()
    return open_conversation(desk)


def use(monkeypatch: pytest.MonkeyPatch, gateway: Any) -> Any:
    monkeypatch.setattr(withdrawal_services, "get_gateway", lambda: gateway)
    monkeypatch.setattr("kefu.desk.services.context.get_gateway", lambda: gateway)
    return gateway


# --- withdrawals -------------------------------------------------------------------------

def test_the_panel_lists_withdrawals_with_masked_address_and_reason(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, FakeGateway([FAILED]))
    client.force_login(desk.agent)
    page = client.get(url("conversation", account.pk)).content.decode()
    assert "TXyz12…9876" in page
    assert FAILED.address not in page
    assert "Network congestion" in page
    assert "We will retry" in page
    assert url("withdrawal_retry", account.pk, "w-1") in page
    assert url("withdrawal_cancel", account.pk, "w-1") in page


def test_reasons_follow_the_agents_language(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, FakeGateway([FAILED]))
    client.force_login(desk.agent)
    with translation.override("zh-hans"):
        page = client.get(reverse("desk:conversation", args=[account.pk])).content.decode()
    assert "网络拥堵" in page


def test_retry_calls_the_gateway_and_records_it(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = use(monkeypatch, FakeGateway([FAILED]))
    client.force_login(desk.agent)
    response = client.post(url("withdrawal_retry", account.pk, "w-1"),
                           {"reason": "customer asked"}, follow=True)
    assert gateway.calls == [("retry", "w-1", "alice", "customer asked")]
    assert "now processing" in response.content.decode()
    assert ConversationEvent.objects.filter(conversation=account, field="withdrawal_retry",
                                            note="customer asked").exists()
    assert Message.objects.filter(conversation=account, kind="system").count() == 1
    assert AuditEntry.objects.filter(action="desk.withdrawal_retry").count() == 1


def test_cancel_needs_a_reason(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = use(monkeypatch, FakeGateway([FAILED]))
    client.force_login(desk.agent)
    client.post(url("withdrawal_cancel", account.pk, "w-1"), {"reason": ""})
    assert gateway.calls == []
    client.post(url("withdrawal_cancel", account.pk, "w-1"), {"reason": "wrong address"})
    assert gateway.calls == [("cancel", "w-1", "alice", "wrong address")]


def test_another_customers_withdrawal_is_not_touched(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = replace(FAILED, ref="w-2", customer_ref="cust-2")
    gateway = use(monkeypatch, FakeGateway([FAILED, other]))
    client.force_login(desk.agent)
    for ref in ("w-2", "w-404"):
        response = client.post(url("withdrawal_retry", account.pk, ref), {"reason": "please"})
        assert response.status_code == 404
    assert gateway.calls == []
    assert not ConversationEvent.objects.filter(field__startswith="withdrawal").exists()


def test_a_refusal_and_an_outage_show_inline_and_change_nothing(
    client: Client, desk: Desk, account: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(desk.agent)
    gateway = use(monkeypatch, FakeGateway([FAILED]))
    gateway.retry_withdrawal = lambda *a, **k: (_ for _ in ()).throw(
        ActionRefused("not_retryable", "Already retried twice")
    )
    page = client.post(url("withdrawal_retry", account.pk, "w-1"), {"reason": "please"},
                       follow=True).content.decode()
    assert "Already retried twice" in page
    use(monkeypatch, FakeGateway([FAILED], fail=GatewayError("down")))
    page = client.post(url("withdrawal_retry", account.pk, "w-1"), {"reason": "please"},
                       follow=True).content.decode()
    assert "Context unavailable" in page  # the panel itself, and the console still renders
    assert ConversationEvent.objects.filter(field__startswith="withdrawal").count() == 0
    assert Message.objects.filter(kind="system").count() == 0


def test_visitors_have_no_withdrawal_panel(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    client.force_login(desk.agent)
    page = client.get(url("conversation", conversation.pk)).content.decode()
    assert 'id="withdrawals"' not in page


# --- search ------------------------------------------------------------------------------

def _search(client: Client, q: str) -> str:
    return client.get(url("search"), {"q": q}).content.decode()


def test_search_by_number_subject_text_name_and_address(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk, text="my TRC20 transfer vanished", subject="Lost USDT")
    identity_add(customer=desk.customer, kind="email", address="zhang.san@example.com")
    client.force_login(desk.agent)
    link = url("conversation", conversation.pk)
    for q in (f"#{conversation.pk}", "lost usdt", "trc20 TRANSFER", "zhang", "zhang.san@exa",
              "zhang.san@example.com"):
        assert link in _search(client, q), q
    assert link not in _search(client, "example.com")  # addresses match exact or by prefix
    assert link not in _search(client, "nothing like this")


def test_search_respects_visibility(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk, text="secret word", team=desk.support)
    client.force_login(desk.outsider)
    page = _search(client, "secret word")
    assert url("conversation", conversation.pk) not in page
    assert "Zhang San" not in _search(client, "Zhang")
    client.force_login(desk.supervisor)
    assert url("conversation", conversation.pk) in _search(client, "secret word")


def test_search_is_bounded_and_refuses_one_letter(client: Client, desk: Desk) -> None:
    for index in range(55):
        open_conversation(desk, text=f"same words {index}")
    client.force_login(desk.agent)
    page = _search(client, "same words")
    assert page.count('data-row-link') == 50
    assert "at least 2 characters" in _search(client, "s")


# --- mentions and labels -----------------------------------------------------------------

def test_a_note_mentioning_a_colleague_notifies_them(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    client.force_login(desk.agent)
    client.post(url("reply", conversation.pk),
                {"body": "@bob can you check this? mail a@example.com", "kind": "note"})
    mention = Mention.objects.get()
    assert mention.mentioned == desk.colleague
    client.force_login(desk.colleague)
    inbox = client.get(url("inbox")).content.decode()
    assert 'desk-count is-unread">1<' in inbox
    assert url("conversation", conversation.pk) in client.get(url("mentions")).content.decode()
    client.get(url("conversation", conversation.pk))
    mention.refresh_from_db()
    assert mention.read_at is not None


def test_mentioning_someone_who_cannot_see_it_is_refused(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk, team=desk.support)
    client.force_login(desk.agent)
    page = client.post(url("reply", conversation.pk), {"body": "@victor look", "kind": "note"},
                       follow=True).content.decode()
    assert "@victor cannot see this conversation" in page
    assert not Mention.objects.exists()
    assert not Message.objects.filter(kind="note").exists()


def test_mentions_in_replies_to_the_customer_notify_nobody(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    message_post(conversation_id=conversation.pk, kind="agent", body="@bob hi",
                 author_user=desk.agent)
    client.force_login(desk.agent)
    client.post(url("reply", conversation.pk), {"body": "thanks @bob", "kind": "agent"})
    assert not Mention.objects.exists()


def test_labels_are_added_and_removed_with_history(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    vip = Label.objects.create(slug="vip", name_zh_hans="VIP", name_en="VIP")
    client.force_login(desk.agent)
    client.post(url("labels", conversation.pk), {"label": vip.pk, "op": "add"})
    client.post(url("labels", conversation.pk), {"label": vip.pk, "op": "add"})  # no-op
    assert list(conversation.labels.all()) == [vip]
    client.post(url("labels", conversation.pk), {"label": vip.pk, "op": "remove"})
    assert not conversation.labels.exists()
    history = list(ConversationEvent.objects.filter(conversation=conversation, field="label")
                   .values_list("old_value", "new_value"))
    assert history == [("", "vip"), ("vip", "")]
    response = client.post(url("labels", conversation.pk), {"label": 999, "op": "add"},
                           follow=True)
    assert "Unknown label" in response.content.decode()


def test_the_shortcut_help_lists_the_shortcuts_and_loads_no_inline_script(
    client: Client, desk: Desk
) -> None:
    client.force_login(desk.agent)
    page = client.get(url("inbox")).content.decode()
    assert 'id="shortcut-help"' in page
    assert "<kbd>?</kbd>" in page
    assert "<kbd>/</kbd>" in page
    assert "<script>" not in page
    assert DeskCustomer.objects.count() == 1
