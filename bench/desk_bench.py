"""Support-desk benchmark: first page of each inbox view and a 200-message conversation.

    .venv/bin/python bench/desk_bench.py --conversations 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu .venv/bin/python bench/desk_bench.py \
        --conversations 100000 --messages-per-conversation 10 --keep kefu_bench_100k

Fills a database (a throwaway one — a temporary SQLite file, or ``test_<name>_bench`` on
PostgreSQL — or, with ``--keep NAME``, a SQLite file / PostgreSQL database that is kept and
reused by the next run) with teams, agents, customers, conversations with a realistic
status mix spread over a year, N messages each, and one conversation of 200 messages.
Rows go in with raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL): a million
conversations take minutes, not an hour. Then it measures whole requests through
Django's test client, in process: the inbox page (query + unread counts + template) for
each view, and the conversation page, and prints a Markdown table of p50/p95 with the
load average (``os.getloadavg``) before and after the timed requests. The CPU columns
are this process's CPU time per request (``time.process_time``: Python and SQLite work,
not PostgreSQL's or Redis's): on a shared, busy machine they move far less than the
wall-clock figures, which include waiting for a core. The measured user
is an *agent* restricted to two of ten teams, the slowest visibility filter. The
customer context panel uses the gateway; the generated customers are visitors, so no
gateway time is included.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")

from bench._throwaway_db import throwaway_database

STATUS_MIX = [("open", 20), ("waiting_on_customer", 10), ("snoozed", 5), ("resolved", 40),
              ("closed", 25)]
CATEGORIES = ["account_access", "withdrawal", "deposit", "security", "identity_verification",
              "other"]
CHANNELS = ["web", "app", "email", "telegram"]
BATCH = 5000


def _insert(model: type[Any], objects: list[Any]) -> None:
    """Insert model instances as they are, ids included, skipping ``pre_save``.

    ``bulk_create`` would overwrite the ``auto_now_add`` times and, at a million rows,
    spends most of its time in the ORM: SQLite gets a raw ``executemany``, PostgreSQL
    ``COPY``.
    """
    from django.db import connection

    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
        for obj in objects
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            # names from the model's meta, values as parameters
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                               rows)


def generate(n_conversations: int, per_conversation: int, seed: int = 7) -> None:
    """Teams, agents, customers, conversations and their messages; conversation 1 has 200."""
    from django.contrib.auth.models import User
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from kefu.desk.models import (
        AgentProfile,
        Conversation,
        CustomerKind,
        DeskCustomer,
        Message,
        Team,
    )

    rng = random.Random(seed)
    now = datetime.now(UTC)
    year = 365 * 86400
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
    with transaction.atomic():
        teams = Team.objects.bulk_create(
            Team(slug=f"t{i}", name_zh_hans=f"团队{i}", name_en=f"Team {i}") for i in range(10)
        )
        users = User.objects.bulk_create(User(username=f"agent{i}") for i in range(50))
        profiles = AgentProfile.objects.bulk_create(
            AgentProfile(user=u, display_name=f"Agent {i}") for i, u in enumerate(users)
        )
        for i, profile in enumerate(profiles):
            profile.teams.set([teams[i % 10], teams[(i + 1) % 10]])
    user_ids = [u.pk for u in users]
    team_ids = [t.pk for t in teams]
    n_customers = n_conversations // 2 + 1
    for start in range(0, n_customers, BATCH):
        with transaction.atomic():
            _insert(DeskCustomer, [
                DeskCustomer(id=i + 1, kind=CustomerKind.VISITOR, display_name=f"客户{i}",
                             created_at=now - timedelta(days=400))
                for i in range(start, min(start + BATCH, n_customers))
            ])
    message_id = 0
    for start in range(0, n_conversations, BATCH):
        conversations, messages = [], []
        for pk in range(start + 1, min(start + BATCH, n_conversations) + 1):
            status = rng.choice(statuses)
            activity = now - timedelta(seconds=rng.randint(0, year))
            assignee = None if (status == "open" and rng.random() < 0.3) else rng.choice(user_ids)
            customer = rng.randint(1, n_customers)
            # conversation 1 is the long one, in team 0, visible to the measured agent
            size = 200 if pk == 1 else per_conversation
            conversations.append(Conversation(
                id=pk, customer_id=customer, channel=rng.choice(CHANNELS), status=status,
                snoozed_until=now + timedelta(hours=4) if status == "snoozed" else None,
                category=rng.choice(CATEGORIES),
                team_id=team_ids[0] if pk == 1 else rng.choice(team_ids), assignee_id=assignee,
                subject="提现一直显示处理中" if rng.random() < 0.5 else "Account locked",
                last_seq=size, last_customer_seq=size,
                agent_read_seq=size if rng.random() < 0.7 else 0,
                next_sla_due=(activity + timedelta(hours=rng.randint(-48, 48))
                              if status in ("open", "waiting_on_customer") else None),
                waiting_since=activity if assignee is None else None,
                created_at=activity - timedelta(hours=rng.randint(0, 72)),
                last_activity_at=activity,
            ))
            for seq in range(1, size + 1):
                message_id += 1
                customer_side = seq % 2 == 1
                body = (f"第 {seq} 条消息 / message number {seq}: " + "内容 " * 20 if pk == 1
                        else f"第 {seq} 条消息：我的提现还没到账，请帮忙查一下。 message {seq}")
                messages.append(Message(
                    id=message_id, conversation_id=pk, seq=seq,
                    kind="customer" if customer_side else "agent",
                    sender_key=f"c:{customer}" if customer_side else f"u:{assignee}",
                    author_customer_id=customer if customer_side else None,
                    author_user_id=None if customer_side else (assignee or user_ids[0]),
                    body=body, created_at=activity - timedelta(minutes=size - seq),
                ))
        with transaction.atomic():
            _insert(Conversation, conversations)
            _insert(Message, messages)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(),
                                                     [DeskCustomer, Conversation, Message]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")


def bench_setup() -> dict[str, Any]:
    from django.contrib.auth.models import User

    return {"agent": User.objects.get(username="agent0"), "long_conversation": 1}


@contextmanager
def kept_database(name: str) -> Iterator[bool]:
    """A database that outlives the run (``--keep``): a SQLite file path, or a PostgreSQL
    database name. Migrated on each use; yields whether it already holds generated data."""
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["NAME"] = name
    else:
        import psycopg

        database["NAME"] = name
        with psycopg.connect(host=database["HOST"] or None, port=database["PORT"] or None,
                             user=database["USER"], password=database["PASSWORD"] or None,
                             dbname="postgres", autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             [name]).fetchone() is None:
                admin.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    from kefu.desk.models import Conversation

    call_command("migrate", verbosity=0)
    yield Conversation.objects.exists()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(setup: dict[str, Any], repeats: int) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from kefu.desk.otp import session as otp_session
    from kefu.desk.otp.services import device_for, totp_demo_device

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(setup["agent"])
    # Agents pass a TOTP step after the password; the bench signs that step in directly.
    totp_demo_device(user=setup["agent"])
    device = device_for(setup["agent"])
    assert device is not None
    session = client.session
    session[otp_session.SESSION_KEY] = otp_session.token_for(setup["agent"], device)
    session.save()
    with translation.override("zh-hans"):
        inbox = reverse("desk:inbox")
        conversation = reverse("desk:conversation", args=[setup["long_conversation"]])
    targets = {
        "inbox mine": f"{inbox}?view=mine",
        "inbox unassigned": f"{inbox}?view=unassigned",
        "inbox my teams": f"{inbox}?view=teams",
        "inbox all": f"{inbox}?view=all",
        "inbox all, SLA breached": f"{inbox}?view=all&sla=breached",
        "inbox all, withdrawal": f"{inbox}?view=all&category=withdrawal",
        "conversation, 200 messages": conversation,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    results: dict[str, dict[str, float]] = {}
    for name, url in targets.items():
        for _ in range(3):  # warm caches
            assert client.get(url).status_code == 200
        samples, cpu = [], []
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        results[name] = {"p50": statistics.median(samples), "p95": percentile(samples, 0.95),
                         "cpu50": statistics.median(cpu), "cpu95": percentile(cpu, 0.95)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--keep", metavar="NAME",
                        help="generate into (or reuse) this SQLite file / PostgreSQL database "
                             "instead of a throwaway one; the sizes then only label the table")
    parser.add_argument("--append", help="append the Markdown table to this file")
    args = parser.parse_args()

    database = kept_database(args.keep) if args.keep else throwaway_database("bench")
    with database as reused:
        from django.db import connection

        generated = "reused"
        if not reused:
            started = time.perf_counter()
            generate(args.conversations, args.messages_per_conversation)
            generated = f"generated in {time.perf_counter() - started:.0f} s"
        from kefu.desk.models import Conversation, Message

        n_conversations = Conversation.objects.count()
        n_messages = Message.objects.count()
        load_before = os.getloadavg()[0]
        results = measure(bench_setup(), args.repeats)
        load_after = os.getloadavg()[0]
        header = (f"{connection.vendor}, {n_conversations:,} conversations, "
                  f"{n_messages:,} messages ({generated}; load {load_before:.1f}→{load_after:.1f})")
        columns = ("p50", "p95", "cpu50", "cpu95")
        lines = [f"| {header} | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |",
                 "|---|---|---|---|---|"]
        lines += ["| " + " | ".join([name, *(f"{r[c]:.1f}" for c in columns)]) + " |"
                  for name, r in results.items()]
        print("\n".join(lines))
        if args.append:
            with open(args.append, "a", encoding="utf-8") as handle:
                handle.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
