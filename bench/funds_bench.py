"""Funds record (资金记录) page time at 10,000 entries, and withdrawals per second per worker.

    DJANGO_SETTINGS_MODULE=kefu.config.settings.test .venv/bin/python bench/funds_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu DJANGO_SETTINGS_MODULE=... \
        .venv/bin/python bench/funds_bench.py

Creates a throwaway database, gives one customer ``--entries`` deposits and withdrawals
(half each, spread over a year, every state), then times full page requests through the
Django test client (session check, two keyset queries, template): the first page, pages
deep in the history (following the "older" cursor), and filtered pages. Then submits
``--withdrawals`` withdrawals and times one worker taking each through the simulated chain
(claim, risk check, broadcast, record, confirm: 4 short transactions per withdrawal).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")

from bench._throwaway_db import throwaway_database

ADDRESS = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def generate(customer: Any, entries: int) -> None:
    from django.utils import timezone

    from kefu.exchange.wallet.demo import seed_assets
    from kefu.exchange.wallet.models import Deposit, Withdrawal, WithdrawalState

    networks = seed_assets()
    states = list(WithdrawalState)
    now = timezone.now()
    step = timedelta(days=365) / entries
    deposits, withdrawals = [], []
    for i in range(entries):
        network = networks[i % len(networks)]
        at = now - step * i
        if i % 2:
            deposits.append(Deposit(customer=customer, asset_id=network.asset_id,
                                    network=network, amount=Decimal("10.5"),
                                    external_id=f"bench:{i}", created_at=at))
        else:
            state = states[i % len(states)]
            withdrawals.append(Withdrawal(
                customer=customer, asset_id=network.asset_id, network=network,
                idempotency_key=f"bench:{i}", address=ADDRESS, amount=Decimal(12),
                fee=network.fee, state=state, created_at=at, updated_at=at,
                failure_reason="node_error" if state == WithdrawalState.FAILED else ""))
    Deposit.objects.bulk_create(deposits, batch_size=2000)
    Withdrawal.objects.bulk_create(withdrawals, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would have them on a live database; without them
        # the planner may pick a sequential scan for the keyset queries.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE wallet_withdrawal, wallet_deposit")


def signed_in_client(customer: Any) -> Any:
    from django.test import Client

    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.accounts.services.signin import signin_complete
    from kefu.exchange.accounts.session import SESSION_KEY

    client = Client()
    session = client.session
    session.save()
    done = signin_complete(customer_id=customer.pk, client=ClientInfo(ip="127.0.0.1"),
                           session_key=session.session_key or "")
    session[SESSION_KEY] = {"id": done.customer_id, "gen": done.generation,
                            "sid": done.session_id}
    session.save()
    return client


def time_pages(client: Any, repeats: int) -> dict[str, list[float]]:
    import re

    timings: dict[str, list[float]] = {"first page": [], "deep pages": [], "filtered": []}
    url = "/zh-hans/wallet/"
    cursors: list[str] = []
    after = ""
    for _ in range(60):  # walk 60 pages (1,200 rows) back to collect deep cursors
        body = client.get(url, {"after": after} if after else {}).content.decode()
        found = re.search(r"after=([0-9.]+)", body)
        if not found:
            break
        after = found.group(1)
        cursors.append(after)
    for _ in range(repeats):
        for name, params in (("first page", {}),
                             ("deep pages", {"after": cursors[-1]}),
                             ("deep pages", {"after": cursors[len(cursors) // 2]}),
                             ("filtered", {"asset": "USDT", "status": "failed"}),
                             ("filtered", {"kind": "deposit", "date_from": "2020-01-01"})):
            start = time.perf_counter()
            response = client.get(url, params)
            timings[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
    return timings


def time_worker(customer: Any, count: int) -> float:
    from django.test import override_settings

    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.wallet import tasks
    from kefu.exchange.wallet.models import Network, Withdrawal, WithdrawalState
    from kefu.exchange.wallet.services.deposits import deposit_credit
    from kefu.exchange.wallet.services.processing import withdrawal_confirm, withdrawal_process
    from kefu.exchange.wallet.services.submit import withdrawal_submit

    network = Network.objects.get(asset__code="USDT", code="TRX")
    deposit_credit(customer_id=customer.pk, network_id=network.pk, amount="100000000",
                   external_id="bench:worker")
    real_task = tasks.process_withdrawal
    tasks.process_withdrawal = SimpleNamespace(enqueue=lambda **kw: None)  # type: ignore[assignment]
    try:
        with override_settings(KEFU_WALLET_REQUIRE_2FA=False):
            ids = [withdrawal_submit(
                customer_id=customer.pk, network_id=network.pk, address=ADDRESS, memo="",
                amount="10", idempotency_key=f"worker:{i}", two_factor_code="",
                client=ClientInfo(ip="127.0.0.1")).pk for i in range(count)]
    finally:
        tasks.process_withdrawal = real_task
    start = time.perf_counter()
    for pk in ids:
        withdrawal_process(withdrawal_id=pk)
        withdrawal_confirm(withdrawal_id=pk)
    elapsed = time.perf_counter() - start
    done = Withdrawal.objects.filter(pk__in=ids, state=WithdrawalState.COMPLETED).count()
    assert done == count, (done, count)
    return count / elapsed


def run(entries: int, repeats: int, withdrawals: int) -> None:
    from django.db import connection

    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.accounts.services.signup import customer_sign_up

    customer = customer_sign_up(identifier="bench@example.com", password="bench pass 12345",  # noqa: S106
                                language="zh-hans", client=ClientInfo(ip="127.0.0.1"))
    started = time.perf_counter()
    generate(customer, entries)
    print(f"database: {connection.vendor}, entries: {entries} "
          f"(generated in {time.perf_counter() - started:.1f}s)")
    timings = time_pages(signed_in_client(customer), repeats)
    every = [v for values in timings.values() for v in values]
    print(f"\n{'page':<14}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, values in [*timings.items(), ("overall", every)]:
        print(f"{name:<14}{len(values):>6}{statistics.median(values):>9.2f}"
              f"{percentile(values, 95):>9.2f}{max(values):>9.2f}")
    rate = time_worker(customer, withdrawals)
    print(f"\none worker: {rate:.0f} withdrawals/s through the simulated chain "
          f"({withdrawals} withdrawals)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--withdrawals", type=int, default=500)
    args = parser.parse_args()

    with throwaway_database("funds_bench", test_environment=True):
        run(args.entries, args.repeats, args.withdrawals)


if __name__ == "__main__":
    main()
