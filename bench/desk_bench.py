"""Support-desk benchmark: first page of each inbox view and a 200-message conversation.

    .venv/bin/python bench/desk_bench.py --conversations 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu .venv/bin/python bench/desk_bench.py \
        --conversations 100000 --messages-per-conversation 10 --append docs/benchmarks.md

Creates a throwaway database (a temporary SQLite file, or ``test_<name>_bench`` on
PostgreSQL), fills it with ``bulk_create`` (teams, agents, customers, conversations with a
realistic status mix spread over a year, N messages each, plus one conversation with 200
messages), then measures whole requests through Django's test client, in process: the
inbox page (query + unread counts + template) for each view, and the conversation page.
The measured user is an *agent* restricted to two of ten teams, the slowest visibility
filter. The customer context panel uses the gateway; the generated customers are
visitors, so no gateway time is included.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
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


def generate(n_conversations: int, per_conversation: int, seed: int = 7) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import transaction

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
    customers: list[DeskCustomer] = []
    for start in range(0, n_conversations // 2 + 1, BATCH):
        customers += DeskCustomer.objects.bulk_create(
            DeskCustomer(kind=CustomerKind.VISITOR, display_name=f"客户{i}")
            for i in range(start, min(start + BATCH, n_conversations // 2 + 1))
        )
    created = 0
    long_one = None
    while created < n_conversations:
        size = min(BATCH, n_conversations - created)
        rows = []
        for _ in range(size):
            status = rng.choice(statuses)
            activity = now - timedelta(seconds=rng.randint(0, 365 * 86400))
            assignee = None if (status == "open" and rng.random() < 0.3) else rng.choice(users)
            due = activity + timedelta(hours=rng.randint(-48, 48))
            rows.append(Conversation(
                customer=rng.choice(customers), channel=rng.choice(CHANNELS), status=status,
                snoozed_until=now + timedelta(hours=4) if status == "snoozed" else None,
                category=rng.choice(CATEGORIES), team=rng.choice(teams), assignee=assignee,
                subject="提现一直显示处理中" if rng.random() < 0.5 else "Account locked",
                last_seq=per_conversation, last_customer_seq=per_conversation,
                agent_read_seq=per_conversation if rng.random() < 0.7 else 0,
                next_sla_due=due if status in ("open", "waiting_on_customer") else None,
                waiting_since=activity if assignee is None else None,
            ))
        convs = Conversation.objects.bulk_create(rows)
        # auto_now_add ignores given values; spread activity afterwards with one UPDATE per batch
        # would be slow, so set the times through bulk_update on the same objects.
        for conv in convs:
            conv.last_activity_at = now - timedelta(seconds=rng.randint(0, 365 * 86400))
            conv.created_at = conv.last_activity_at - timedelta(hours=rng.randint(0, 72))
        Conversation.objects.bulk_update(convs, ["last_activity_at", "created_at"],
                                         batch_size=1000)
        messages = [
            Message(conversation=conv, seq=seq, kind="customer" if seq % 2 else "agent",
                    sender_key=f"c:{conv.customer_id}" if seq % 2 else f"u:{conv.assignee_id}",
                    author_customer_id=conv.customer_id if seq % 2 else None,
                    author_user_id=None if seq % 2 else conv.assignee_id,
                    body=f"第 {seq} 条消息：我的提现还没到账，请帮忙查一下。 message {seq}")
            for conv in convs for seq in range(1, per_conversation + 1)
        ]
        Message.objects.bulk_create(messages, batch_size=BATCH)
        if long_one is None:
            long_one = convs[0]
        created += size
    assert long_one is not None
    # the 200-message conversation, visible to the measured agent (teams 0 and 1)
    Conversation.objects.filter(pk=long_one.pk).update(team=teams[0], last_seq=200)
    Message.objects.bulk_create(
        Message(conversation=long_one, seq=seq, kind="customer" if seq % 2 else "agent",
                sender_key="bench", author_customer_id=long_one.customer_id if seq % 2 else None,
                author_user_id=None if seq % 2 else users[0].pk,
                body=f"第 {seq} 条消息 / message number {seq}: " + "内容 " * 20)
        for seq in range(per_conversation + 1, 201)
    )
    return {"agent": users[0], "long_conversation": long_one.pk}


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
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results[name] = {"p50": statistics.median(samples), "p95": percentile(samples, 0.95)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-per-conversation", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--append", help="append a Markdown table row block to this file")
    args = parser.parse_args()

    with throwaway_database("bench"):
        from django.db import connection

        started = time.perf_counter()
        setup = generate(args.conversations, args.messages_per_conversation)
        generated = time.perf_counter() - started
        results = measure(setup, args.repeats)
        total_messages = args.conversations * args.messages_per_conversation + 200
        header = (f"{connection.vendor}, {args.conversations:,} conversations, "
                  f"{total_messages:,} messages (generated in {generated:.0f} s)")
        lines = [f"| {header} | p50 ms | p95 ms |", "|---|---|---|"]
        lines += [f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} |" for name, r in results.items()]
        print("\n".join(lines))
        if args.append:
            with open(args.append, "a", encoding="utf-8") as handle:
                handle.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
