"""The chat's write path alone: CPU per customer message, by batch size.

    .venv/bin/python bench/chat_write_bench.py                 # SQLite, batches of 1, 8, 32
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_writebench \\
        .venv/bin/python bench/chat_write_bench.py --batches 1,8,32 --rounds 5

A throwaway database is migrated and seeded as for bench/chat_bench.py (900 customers,
each in a conversation of their own); then, in a process of its own, batches of customer
messages to different conversations go through ``kefu.chat.services.customer_send_many``
— the function the chat server's write queue calls (kefu/chat/writes.py) — with
doorbells off, so only the database work and the ORM around it is timed. The figure is
CPU time (user + system of the process) per message, median of ``--rounds`` runs: on a
shared machine it moves far less than wall time, and it is what a batch takes from the
server's one core. Compare two trees by running this in each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _inner(seed_path: str, batch: int, batches: int) -> None:
    """In the seeded site's environment: time ``batches`` batches of ``batch`` messages."""
    import django

    django.setup()
    from kefu.chat.services import CustomerMessage, customer_send_many
    from kefu.chat.tokens import read_token
    from kefu.desk import events
    from kefu.desk.models import Conversation

    events.ring = lambda sends: None  # no channel layer here: doorbells are not measured
    seed: dict[str, Any] = json.loads(Path(seed_path).read_text())
    customers = seed["customers"]
    principals = [read_token(c["token"]) for c in customers]
    ids = {str(c.public_id): c.pk for c in Conversation.objects.all()}
    run = uuid.uuid4().hex[:8]  # new client ids each run: no retries

    def messages(n: int) -> list[CustomerMessage]:
        out = []
        for j in range(batch):
            k = (n * batch + j) % len(customers)
            out.append(CustomerMessage(
                principal=principals[k], conversation_id=ids[customers[k]["conversation"]],
                client_msg_id=f"{run}-{n}-{j}", body=f"提现失败了 withdrawal failed #{n}.{j}",
                channel="web", language="zh-hans"))
        return out

    for n in range(10):  # warm up: connections, caches, statements
        customer_send_many(messages(n))
    started = time.process_time()
    for n in range(10, 10 + batches):
        outcomes = customer_send_many(messages(n))
        assert all(hasattr(o, "seq") for o in outcomes), outcomes
    print(json.dumps({"cpu_ms_per_message":
                      1000 * (time.process_time() - started) / (batches * batch)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="1,8,32", help="batch sizes")
    parser.add_argument("--messages", type=int, default=1200, help="messages per run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inner", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner(args.inner[0], int(args.inner[1]), int(args.inner[2]))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")
    from tests.chat import _servers

    database_url = os.environ.get("DATABASE_URL") or None
    sizes = [int(size) for size in args.batches.split(",")]
    results: dict[int, list[float]] = {size: [] for size in sizes}
    with _servers.site(database_url=database_url, customers=900, agents=1, per_agent=1,
                       name_hint="writebench") as site, \
            tempfile.NamedTemporaryFile("w", suffix=".json") as seed:
        json.dump(site.seed, seed)
        seed.flush()
        for _round in range(args.rounds):
            for size in sizes:
                done = subprocess.run(
                    [sys.executable, __file__, "--inner", seed.name, str(size),
                     str(max(1, args.messages // size))],
                    env=site.env, cwd=ROOT, capture_output=True, text=True, check=True)
                figure = json.loads(done.stdout.strip().splitlines()[-1])
                results[size].append(figure["cpu_ms_per_message"])
    target = "PostgreSQL" if database_url else "SQLite"
    print(f"| {target}: batch size | CPU ms per message (median of {args.rounds}) | runs |")
    print("|---|---|---|")
    for size, figures in results.items():
        runs = ", ".join(f"{f:.3f}" for f in figures)
        print(f"| {size} | {statistics.median(figures):.3f} | {runs} |")


if __name__ == "__main__":
    main()
