"""Live chat under load: one Kefu process, 1,000 WebSockets, and a bare Channels ceiling.

    .venv/bin/python bench/chat_bench.py                      # SQLite, in-memory layer
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_chatbench \\
    REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/chat_bench.py --targets sqlite,postgres
    .venv/bin/python bench/chat_bench.py --customers 90 --agents 10 --duration 5 \\
        --search-seconds 3                                    # a smoke run

For each target a throwaway database is migrated and seeded (``tests/chat/_servers.py``),
one ``uvicorn kefu.config.asgi:application`` process serves it, and a load generator in
another process (``bench/_chat_load.py``: the reference clients over real sockets) opens
every connection — customers each in their own conversation, each agent subscribed to
``--per-agent`` of them — then sends ``--rate`` messages/s for ``--duration`` seconds from
the customers, and finally steps the rate up (``--search-*``) until the agents' p99
latency passes ``--p99-ms``, and on from there while the server still keeps up (nothing
lost, 95 % delivered, p99 < ``--sustain-p99-ms``): the sustained rate. The same generator
then drives ``bench/_chat_ceiling.py`` (a bare Channels fan-out, no database) on the same
layer. Output: a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")

from tests.chat import _servers  # noqa: E402

CEILING_APP = "bench._chat_ceiling:application"


def _load(server: _servers.Server, seed: dict[str, Any], args: argparse.Namespace,
          *, main_phase: bool) -> dict[str, Any]:
    config = {
        "url": f"ws://127.0.0.1:{server.port}", "server_pid": server.pid, "seed": seed,
        "rate": args.rate, "duration": args.duration if main_phase else 0,
        "search": None if args.no_search else {
            "start": args.search_start, "factor": args.search_factor, "max": args.search_max,
            "seconds": args.search_seconds, "p99_ms": args.p99_ms,
            "sustain_p99_ms": args.sustain_p99_ms,
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    try:
        done = subprocess.run([sys.executable, "-m", "bench._chat_load", handle.name],
                              cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              timeout=args.duration + 3600)
    finally:
        os.unlink(handle.name)
    if done.returncode:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}\n"
                           f"server log:\n{server.tail()}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _target(name: str, args: argparse.Namespace) -> dict[str, Any]:
    database_url = redis_url = None
    if name == "postgres":
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL")
        if not database_url.startswith("postgres") or not redis_url:
            sys.exit("--targets postgres needs DATABASE_URL=postgres://… and REDIS_URL")
    server_env = {"KEFU_CHAT_RATE": "100000", "KEFU_CHAT_HEARTBEAT_SECONDS": "25"}
    print(f"[{name}] migrating and seeding {args.customers} customers, {args.agents} agents",
          file=sys.stderr, flush=True)
    with _servers.site(database_url=database_url, redis_url=redis_url, env=server_env,
                       customers=args.customers, agents=args.agents,
                       per_agent=args.per_agent, name_hint="bench") as site:
        outcome: dict[str, Any] = {}
        servers = [("kefu", "kefu.config.asgi:application", {})]
        if not args.no_ceiling:
            servers.append(("ceiling", CEILING_APP, {}))
        if args.stock_ceiling:
            servers.append(("stock ceiling", CEILING_APP, {"KEFU_BENCH_STOCK_LAYER": "1"}))
        for label, app, extra in servers:
            server = site.server(app=app, **extra).start()
            try:
                print(f"[{name}] {label}: load", file=sys.stderr, flush=True)
                outcome[label] = _load(server, site.seed, args, main_phase=True)
            finally:
                server.stop()
        return outcome


def _row(target: str, label: str, result: dict[str, Any]) -> str:
    main = next((p for p in result["phases"] if p["phase"] == "main"), None)
    cells = [target, label, str(result["connections"])]
    if main:
        overloaded = f" (overloaded after {main['seconds']:g} s)" if main["overloaded"] else ""
        cells += [f"{main['offered_rate']:g}", f"{main['delivered_per_s']:g}{overloaded}",
                  f"{main['deliveries_per_s']:g}", f"{main['p50_ms']:g}", f"{main['p99_ms']:g}",
                  str(main["lost"]), str(main["duplicated"]),
                  f"{main['server_cpu_ms_per_msg']:g}"]
    else:
        cells += ["–"] * 8
    cells += [f"{result['kb_per_idle_connection']:g}", str(result.get("max_rate_p99_ok", "–")),
              str(result.get("max_rate_sustained", "–"))]
    return "| " + " | ".join(cells) + " |"


def _report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"load: {args.customers} customers + {args.agents} agents ({args.per_agent} "
        f"conversations each), {args.rate:g} msg/s for {args.duration:g} s; rate search from "
        f"{args.search_start:g} ×{args.search_factor:g}, {args.search_seconds:g} s steps, "
        f"p99 < {args.p99_ms:g} ms, then on while it keeps up with p99 < "
        f"{args.sustain_p99_ms:g} ms; load average before: {args.loadavg}",
        "",
        "| target | server | connections | offered msg/s | delivered msg/s (to agents) "
        "| deliveries/s (agents + echoes) | p50 ms | p99 ms | lost | duplicated "
        "| server CPU ms per message | KB per idle connection | highest msg/s with p99 < limit "
        "| highest msg/s sustained |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for target, outcome in results.items():
        for label, result in outcome.items():
            lines.append(_row(target, label, result))
    lines.append("")
    for target, outcome in results.items():
        kefu = outcome.get("kefu")
        for label in ("ceiling", "stock ceiling"):
            ceiling = outcome.get(label)
            if not (kefu and ceiling):
                continue
            for key, what in (("max_rate_p99_ok", f"with p99 < {args.p99_ms:g} ms"),
                              ("max_rate_sustained", "sustained")):
                if kefu.get(key) and ceiling.get(key):
                    lines.append(f"- {target}: Kefu's highest rate {what} is "
                                 f"{kefu[key] / ceiling[key]:.0%} of the {label}'s "
                                 f"({kefu[key]} vs {ceiling[key]} msg/s)")
    lines.append("")
    lines.append("rate steps (target/server: msg/s → delivered/s, p99 ms [limit], lost, "
                 "server CPU per message, CPU share of a core: server / load generator):")
    for target, outcome in results.items():
        for label, result in outcome.items():
            steps = ", ".join(f"{p['offered_rate']:g}→{p['delivered_per_s']:g} "
                              f"{p['p99_ms']:g}ms [{p.get('p99_limit_ms', args.p99_ms):g}] "
                              f"{p['lost']} ({p['server_cpu_ms_per_msg']:g} ms CPU, "
                              f"{p['server_cpu_share']:g}/{p['load_cpu_share']:g})"
                              for p in result["phases"] if p["phase"] != "main")
            lines.append(f"- {target}/{label}: {steps or '–'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default="sqlite", help="sqlite,postgres")
    parser.add_argument("--customers", type=int, default=900)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--per-agent", type=int, default=9)
    parser.add_argument("--rate", type=float, default=200, help="messages/s, all customers")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--no-search", action="store_true")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--stock-ceiling", action="store_true",
                        help="also the ceiling on the stock Channels layer class")
    parser.add_argument("--search-start", type=float, default=20)
    parser.add_argument("--search-factor", type=float, default=1.5)
    parser.add_argument("--search-max", type=float, default=20000)
    parser.add_argument("--search-seconds", type=float, default=5)
    parser.add_argument("--p99-ms", type=float, default=50)
    parser.add_argument("--sustain-p99-ms", type=float, default=1000,
                        help="latency bound of the sustained-rate search (0: skip it)")
    parser.add_argument("--json", action="store_true", help="also print the raw results")
    args = parser.parse_args()
    if args.customers != args.agents * args.per_agent:
        # Fewer: an agent without its conversations; more: customers nobody follows, whose
        # messages could never reach an agent and would be counted as lost.
        parser.error("each customer's conversation is followed by one agent: "
                     "customers = agents × per-agent")
    args.loadavg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results: dict[str, dict[str, Any]] = {}
    for target in args.targets.split(","):
        results[target] = _target(target.strip(), args)
    if args.json:
        print(json.dumps(results, indent=1))
    print(_report(results, args))


if __name__ == "__main__":
    main()
