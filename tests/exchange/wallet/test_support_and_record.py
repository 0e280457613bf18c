"""Contacting support from a withdrawal; the funds record's filters and pages; deposits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from kefu.exchange.accounts.models import Customer, SupportRequest
from kefu.exchange.wallet.demo import seed_demo_wallet
from kefu.exchange.wallet.models import Balance, Deposit, Network
from kefu.exchange.wallet.reasons import FailureReason
from kefu.exchange.wallet.selectors import RecordFilter, funds_record
from kefu.exchange.wallet.services.deposits import deposit_credit
from kefu.exchange.wallet.services.support import withdrawal_contact_support

from .conftest import Submit, assert_ledger_matches_balances

pytestmark = pytest.mark.django_db


def test_contact_support_attaches_the_withdrawal(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    networks["USDT-TRX"].simulator = FailureReason.WRONG_NETWORK_ADDRESS.value
    networks["USDT-TRX"].save()
    withdrawal = submit(funded, amount="100")
    request = withdrawal_contact_support(customer_id=funded.pk, withdrawal_id=withdrawal.pk,
                                         message="where is my money")
    assert request.kind == "withdrawal"
    summary = request.summary
    assert summary["withdrawal"] == str(withdrawal.public_id)
    assert summary["reason"] == "wrong_network_address"
    assert summary["amount"] == "100"
    assert summary["address"] == withdrawal.address
    assert summary["network"] == "Tron (TRC-20)"
    assert summary["explanation_en"]
    assert summary["explanation_zh-hans"]
    again = withdrawal_contact_support(customer_id=funded.pk, withdrawal_id=withdrawal.pk)
    assert again.pk == request.pk
    assert SupportRequest.objects.count() == 1


def test_deposit_credit_is_idempotent(customer: Customer, networks: dict[str, Network]) -> None:
    network = networks["BTC-BTC"]
    first, created = deposit_credit(customer_id=customer.pk, network_id=network.pk,
                                    amount="0.5", external_id="abc:0")
    second, created_again = deposit_credit(customer_id=customer.pk, network_id=network.pk,
                                           amount="0.5", external_id="abc:0")
    assert created
    assert not created_again
    assert first.pk == second.pk
    assert Balance.objects.get(customer=customer).available == Decimal("0.5")


def test_seed_demo_wallet_is_idempotent(customer: Customer) -> None:
    seed_demo_wallet(customer)
    seed_demo_wallet(customer)
    assert Deposit.objects.filter(customer=customer).count() == 8
    assert Balance.objects.get(customer=customer, asset__code="USDT").available == Decimal(6000)
    assert_ledger_matches_balances()


def test_funds_record_pages_newest_first_without_gaps(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        for i in range(7):
            traveller.shift(60)
            submit(funded, amount=str(10 + i))
    pages, cursor = [], ""
    while True:
        page = funds_record(customer_id=funded.pk, filters=RecordFilter(), cursor=cursor,
                            page_size=3)
        pages.append(page.rows)
        cursor = page.next_cursor
        if not cursor:
            break
    rows = [r for p in pages for r in p]
    assert len(rows) == 7 + 5  # withdrawals + the five funding deposits
    keys = [(r.created_at, r.kind == "withdrawal", r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert len({(r.kind, r.id) for r in rows}) == len(rows)


def test_funds_record_filters(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    submit(funded, amount="100")
    networks["USDT-TRX"].simulator = "invalid_address"
    networks["USDT-TRX"].save()
    submit(funded, amount="50")

    def kinds(**kw: object) -> list[tuple[str, str]]:
        page = funds_record(customer_id=funded.pk, filters=RecordFilter(**kw))  # type: ignore[arg-type]
        return [(r.kind, r.state) for r in page.rows]

    assert kinds(kind="withdrawal") == [("withdrawal", "failed"), ("withdrawal", "completed")]
    assert kinds(status="failed") == [("withdrawal", "failed")]
    assert len(kinds(asset="BTC")) == 1
    assert kinds(asset="USDT", kind="deposit") == [("deposit", "credited")]
    today = timezone.localdate()
    assert kinds(date_from=today + timedelta(days=1)) == []
    assert len(kinds(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1))) == 7
