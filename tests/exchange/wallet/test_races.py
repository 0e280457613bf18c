"""Races with real concurrency: threads with their own database connections (PostgreSQL).

SQLite serialises every writer on one file lock, so these only prove something on
PostgreSQL, where row locks decide; .ci/run runs them there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet import tasks
from kefu.exchange.wallet.demo import seed_assets
from kefu.exchange.wallet.models import Network, Withdrawal, WithdrawalState
from kefu.exchange.wallet.services.ending import withdrawal_cancel
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.processing import withdrawal_process
from kefu.exchange.wallet.services.submit import withdrawal_submit

from .conftest import (
    CLIENT,
    TRON_ADDRESS,
    assert_ledger_matches_balances,
    balance_of,
    fund,
    make_customer,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; .ci/run runs it")


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start all calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def runner(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def no_processing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "process_withdrawal", SimpleNamespace(enqueue=lambda **kw: None))


def test_concurrent_withdrawals_never_take_more_than_the_balance(no_processing: None) -> None:
    network = {f"{n.asset.code}-{n.code}": n for n in seed_assets()}["USDT-TRX"]
    customer = make_customer("race@example.com", with_2fa=False)
    fund(customer, network, "1000")
    # 2FA is not what this race is about; accounts without it may withdraw here.
    with override_settings(KEFU_WALLET_REQUIRE_2FA=False):
        results = run_together([
            (lambda i=i: withdrawal_submit(
                customer_id=customer.pk, network_id=network.pk, address=TRON_ADDRESS,
                memo="", amount="300", idempotency_key=f"race-{i}", two_factor_code="",
                client=CLIENT))
            for i in range(8)
        ])
    made = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if isinstance(r, WalletError)]
    assert len(made) + len(refused) == 8, results
    assert len(made) == 3  # 3 × (300 + 1 fee) = 903 ≤ 1000 < 4 × 301
    assert all(r.code == "insufficient_balance" for r in refused)
    available, in_flight = balance_of(customer, "USDT")
    assert (available, in_flight) == (Decimal(97), Decimal(903))
    assert_ledger_matches_balances()


def test_same_idempotency_key_concurrently_makes_one(no_processing: None) -> None:
    network = {f"{n.asset.code}-{n.code}": n for n in seed_assets()}["USDT-TRX"]
    customer = make_customer("twice@example.com", with_2fa=False)
    fund(customer, network, "1000")
    with override_settings(KEFU_WALLET_REQUIRE_2FA=False):
        results = run_together([
            lambda: withdrawal_submit(
                customer_id=customer.pk, network_id=network.pk, address=TRON_ADDRESS,
                memo="", amount="100", idempotency_key="same", two_factor_code="",
                client=CLIENT)
            for _ in range(5)
        ])
    assert {r.pk for r in results if isinstance(r, Withdrawal)} == {
        Withdrawal.objects.get().pk}
    assert balance_of(customer, "USDT") == (Decimal(899), Decimal(101))


@pytest.mark.parametrize("round_", range(6))
def test_cancel_racing_processing_exactly_one_wins(no_processing: None, round_: int) -> None:
    network: Network = {f"{n.asset.code}-{n.code}": n for n in seed_assets()}["USDT-TRX"]
    customer: Customer = make_customer(f"cancel{round_}@example.com", with_2fa=False)
    fund(customer, network, "1000")
    with override_settings(KEFU_WALLET_REQUIRE_2FA=False):
        withdrawal = withdrawal_submit(
            customer_id=customer.pk, network_id=network.pk, address=TRON_ADDRESS, memo="",
            amount="100", idempotency_key="c", two_factor_code="", client=CLIENT)
    results = run_together([
        lambda: withdrawal_process(withdrawal_id=withdrawal.pk),
        lambda: withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=customer.pk,
                                  actor_label="customer"),
    ])
    withdrawal.refresh_from_db()
    cancelled = isinstance(results[1], Withdrawal)
    if cancelled:
        assert withdrawal.state == WithdrawalState.CANCELLED
        assert not withdrawal.tx_hash
        assert balance_of(customer, "USDT") == (Decimal(1000), Decimal(0))
    else:
        assert isinstance(results[1], WalletError)
        assert results[1].code == "not_cancellable"
        assert withdrawal.state == WithdrawalState.BROADCAST
        assert balance_of(customer, "USDT") == (Decimal(899), Decimal(101))
    assert withdrawal.entries.filter(kind="withdrawal_release").count() == (2 if cancelled else 0)
    assert_ledger_matches_balances()
