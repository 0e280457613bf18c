"""Support requests from the built-in exchange become exactly one desk conversation each."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from kefu.desk.bridge import support_request_convert
from kefu.desk.models import Conversation, InboundMessage, Message
from kefu.exchange.accounts.desk_link import hand_over, support_request_payload
from kefu.exchange.accounts.links import freeze_token
from kefu.exchange.accounts.models import Customer, SupportRequest
from kefu.exchange.wallet.models import Network
from kefu.exchange.wallet.reasons import FailureReason
from kefu.exchange.wallet.services.support import withdrawal_contact_support
from tests.exchange.wallet.conftest import (  # noqa: F401 (fixtures)
    Submit,
    commits,
    customer,
    funded,
    networks,
    submit,
)

pytestmark = pytest.mark.django_db
# The wallet's fixtures, imported above, are used by name as test arguments.

Commits = Callable[[], AbstractContextManager[Any]]


def _run_again(request: SupportRequest) -> None:
    """The task delivered a second time, and the accounts app re-sending the request."""
    support_request_convert(payload=support_request_payload(request))
    SupportRequest.objects.filter(pk=request.pk).update(handed_over_at=None)
    hand_over(request.pk)


# The exchange events would open the conversation first; this tests the bridge alone.
@override_settings(KEFU_EXCHANGE_EVENTS="off")
def test_freeze_from_a_security_link_opens_one_security_conversation(
    client: Client, customer: Customer, commits: Commits  # noqa: F811
) -> None:
    with translation.override("en"):
        url = reverse("accounts:freeze_link", args=[freeze_token(str(customer.public_id))])
    with commits():
        response = client.post(url)
    assert response.status_code == 200
    request = SupportRequest.objects.get(customer=customer, kind="freeze")
    request.refresh_from_db()
    assert request.handed_over_at is not None
    conversation = Conversation.objects.get()
    assert conversation.customer.external_ref == str(customer.public_id)
    assert conversation.category == "security"
    assert conversation.channel == "web"
    attached = conversation.context["support_requests"][str(request.pk)]
    assert attached["kind"] == "freeze"
    assert attached["details"]["source"] == "link"
    assert attached["details"]["recent_activity"]  # sign-up, freeze …
    assert "account" in conversation.context  # the gateway snapshot, as for any request
    with commits():
        _run_again(request)
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1
    key = f"support-request:{request.pk}"
    assert InboundMessage.objects.filter(idempotency_key=key).count() == 1


# The exchange events would open the conversation first; this tests the bridge alone.
@override_settings(KEFU_EXCHANGE_EVENTS="off")
def test_contact_support_from_a_failed_withdrawal_opens_one_conversation(
    funded: Customer, networks: dict[str, Network], submit: Submit,  # noqa: F811
    commits: Commits,  # noqa: F811
) -> None:
    networks["USDT-TRX"].simulator = FailureReason.WRONG_NETWORK_ADDRESS.value
    networks["USDT-TRX"].save()
    withdrawal = submit(funded, amount="100")
    with commits():
        request = withdrawal_contact_support(customer_id=funded.pk, withdrawal_id=withdrawal.pk,
                                             message="where is my money")
    conversation = Conversation.objects.get()
    assert conversation.category == "withdrawal"
    details = conversation.context["support_requests"][str(request.pk)]["details"]
    assert details["withdrawal"] == str(withdrawal.public_id)
    assert details["amount"] == "100"
    assert details["network"] == "Tron (TRC-20)"
    assert details["address"] == withdrawal.address
    assert details["state"] == withdrawal.state
    assert details["reason"] == "wrong_network_address"
    first = Message.objects.get()
    assert withdrawal.address in first.body
    assert "where is my money" in first.body
    assert "Tron (TRC-20)" in first.body
    with commits():
        _run_again(request)
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_bad_payload_is_refused_at_the_caller(db: None) -> None:
    from pydantic import ValidationError

    from kefu.desk.bridge import receive_support_request

    with pytest.raises(ValidationError):
        receive_support_request({"kind": "withdrawal"})
    assert Conversation.objects.count() == 0


def test_a_conversation_the_exchange_event_opened_first_is_joined(
    customer: Customer,  # noqa: F811
) -> None:
    from kefu.desk.services.conversations import conversation_open
    from kefu.desk.services.customers import customer_for_account

    desk_customer = customer_for_account(external_ref=str(customer.public_id))
    opened = conversation_open(customer=desk_customer, channel="console", category="security")
    request = SupportRequest.objects.create(customer=customer, kind="freeze",
                                            created_at=opened.created_at,
                                            summary={"source": "link"})
    support_request_convert(payload=support_request_payload(request))
    assert list(Conversation.objects.values_list("pk", flat=True)) == [opened.pk]
    opened.refresh_from_db()
    assert str(request.pk) in opened.context["support_requests"]
