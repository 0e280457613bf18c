"""The wallet pages: sign-in required, funds record, withdraw with review, failed detail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from kefu.exchange.accounts.models import Customer, SupportRequest
from kefu.exchange.accounts.services.signin import signin_complete
from kefu.exchange.accounts.session import SESSION_KEY
from kefu.exchange.wallet.models import Network, Withdrawal, WithdrawalState
from kefu.exchange.wallet.reasons import FailureReason

from .conftest import CLIENT, TRON_ADDRESS, Submit, balance_of, fresh_code

pytestmark = pytest.mark.django_db


def signed_in(client: Client, customer: Customer) -> Client:
    session = client.session
    session.save()
    done = signin_complete(customer_id=customer.pk, client=CLIENT,
                           session_key=session.session_key or "")
    session[SESSION_KEY] = {"id": done.customer_id, "gen": done.generation,
                            "sid": done.session_id}
    session.save()
    return client


@pytest.mark.parametrize("name", ["wallet:record", "wallet:withdraw", "wallet:addresses"])
def test_pages_need_sign_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_funds_record_lists_and_filters(
    client: Client, funded: Customer, submit: Submit, language: str
) -> None:
    submit(funded, amount="100")
    signed_in(client, funded)
    url = f"/{language}/wallet/"
    page = client.get(url).content.decode()
    assert "TRC-20" in page
    assert ("资金记录" if language == "zh-hans" else "Funds record") in page
    filtered = client.get(url, {"kind": "deposit", "asset": "BTC"}).content.decode()
    assert "Tron (TRC-20)" not in filtered
    assert client.get(url, {"after": "garbage"}).status_code == 200


def test_withdraw_review_then_confirm_with_2fa(
    client: Client, funded: Customer, networks: dict[str, Network],
    django_capture_on_commit_callbacks: object,
) -> None:
    signed_in(client, funded)
    form = {"network": networks["USDT-TRX"].pk, "address": TRON_ADDRESS, "memo": "",
            "amount": "100", "key": "abc123", "step": "review"}
    review = client.post(reverse("wallet:withdraw"), form)
    text = review.content.decode()
    assert review.status_code == 200
    assert "101" in text  # deducted: amount + fee
    assert Withdrawal.objects.count() == 0
    wrong = client.post(reverse("wallet:withdraw"), {**form, "step": "confirm",
                                                     "code": "000000"})
    assert wrong.status_code == 200
    assert Withdrawal.objects.count() == 0
    response = client.post(reverse("wallet:withdraw"), {**form, "step": "confirm",
                                                        "code": fresh_code(funded)})
    withdrawal = Withdrawal.objects.get()
    assert response["Location"] == reverse("wallet:withdrawal", args=[withdrawal.public_id])


def test_withdraw_form_shows_the_address_problem(
    client: Client, funded: Customer, networks: dict[str, Network]
) -> None:
    signed_in(client, funded)
    response = client.post("/en/wallet/withdraw/", {
        "network": networks["USDT-TRX"].pk, "address": "0x742d35Cc6634C0532925a3b844Bc454e4438f44e",
        "memo": "", "amount": "100", "key": "k", "step": "review"})
    assert "This looks like an address on Ethereum (ERC-20)" in response.content.decode()


def test_failed_withdrawal_page_explains_and_offers_actions(
    client: Client, funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    networks["USDT-TRX"].simulator = FailureReason.INVALID_ADDRESS.value
    networks["USDT-TRX"].save()
    withdrawal = submit(funded)
    signed_in(client, funded)
    for language, words in (("en", ["Invalid address", "Correct the address and resubmit",
                                    "Contact support about this withdrawal"]),
                            ("zh-hans", ["地址无效", "联系客服"])):
        page = client.get(f"/{language}/wallet/withdrawals/{withdrawal.public_id}/")
        text = page.content.decode()
        for word in words:
            assert word in text, (language, word)
    response = client.post(reverse("wallet:support", args=[withdrawal.public_id]),
                           {"message": "help"})
    assert response.status_code == 302
    assert SupportRequest.objects.get().summary["withdrawal"] == str(withdrawal.public_id)


def test_completed_withdrawal_shows_explorer_link_and_guide(
    client: Client, funded: Customer, submit: Submit
) -> None:
    withdrawal = submit(funded)
    assert withdrawal.state == WithdrawalState.COMPLETED
    signed_in(client, funded)
    text = client.get(f"/en/wallet/withdrawals/{withdrawal.public_id}/").content.decode()
    assert withdrawal.explorer_url in text.replace("&amp;", "&")
    assert "Not arrived?" in text


def test_someone_elses_withdrawal_is_not_found(
    client: Client, funded: Customer, submit: Submit
) -> None:
    from .conftest import make_customer

    withdrawal = submit(funded)
    signed_in(client, make_customer("eve@example.com"))
    assert client.get(reverse("wallet:withdrawal", args=[withdrawal.public_id])).status_code == 404
    assert client.post(reverse("wallet:cancel", args=[withdrawal.public_id])).status_code == 404


def test_no_inline_scripts_or_styles(client: Client, funded: Customer) -> None:
    signed_in(client, funded)
    for name in ("wallet:record", "wallet:withdraw", "wallet:addresses"):
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html
        assert "<style" not in html
    assert balance_of(funded, "USDT")[0] == Decimal(1000)
