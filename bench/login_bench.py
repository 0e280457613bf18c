"""Logins per second per core with the production hasher (Argon2), and the p95 latency the
lockout checks add to a login, on the database DATABASE_URL names (SQLite by default).

    .venv/bin/python bench/login_bench.py [--logins 200] [--append docs/benchmarks.md]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu .venv/bin/python bench/login_bench.py

Runs in a throw-away test database. "Lockout overhead" is the time of a login minus the
time of the password check alone, i.e. the throttle reads, row locks and counter writes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import get_runner, override_settings  # noqa: E402

ARGON2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run(logins: int) -> dict[str, float | str]:
    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.accounts.models import Customer
    from kefu.exchange.accounts.services.login import login_attempt
    from kefu.exchange.accounts.services.signup import customer_sign_up

    password = "benchmark passphrase 1"  # noqa: S105
    customer_sign_up(identifier="bench@example.com", password=password, language="en",
                     client=ClientInfo(ip=None))
    stored = Customer.objects.get(email="bench@example.com")
    full: list[float] = []
    for n in range(logins):
        start = time.perf_counter()
        outcome = login_attempt(identifier="bench@example.com",
                                password=password if n % 10 else "wrong",
                                client=ClientInfo(ip=f"10.0.{n // 250}.{n % 250}")).outcome
        full.append(time.perf_counter() - start)
        assert outcome in {"ok", "invalid"}, outcome
    # The lockout work alone: the same logins with a near-free hasher, minus its check.
    overhead: list[float] = []
    with override_settings(PASSWORD_HASHERS=FAST):
        stored.set_password(password)
        stored.save(update_fields=["password"])
        for n in range(logins):
            start = time.perf_counter()
            stored.check_password(password)
            check = time.perf_counter() - start
            start = time.perf_counter()
            login_attempt(identifier="bench@example.com", password=password,
                          client=ClientInfo(ip=f"10.1.{n // 250}.{n % 250}"))
            overhead.append(max(time.perf_counter() - start - check, 0.0))
    return {
        "database": connection.vendor,
        "logins_per_second": len(full) / sum(full),
        "p50_login_ms": statistics.median(full) * 1000,
        "p95_login_ms": p95(full) * 1000,
        "p95_lockout_overhead_ms": p95(overhead) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--append", type=Path, help="append a result row to this Markdown file")
    args = parser.parse_args()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        with override_settings(PASSWORD_HASHERS=ARGON2, KEFU_TASK_BACKEND="immediate"):
            result = run(args.logins)
    finally:
        runner.teardown_databases(old)
    line = (
        f"| {result['database']} | {result['logins_per_second']:.1f} | "
        f"{result['p50_login_ms']:.1f} | {result['p95_login_ms']:.1f} | "
        f"{result['p95_lockout_overhead_ms']:.2f} |"
    )
    print(line)
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
