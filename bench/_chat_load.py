"""The load generator of bench/chat_bench.py, run in a process of its own.

    python -m bench._chat_load CONFIG.json   # prints one JSON object with the results

Opens every customer (``ChatClient``) and agent (``AgentClient``) connection, measures the
server's memory per idle connection, then runs each phase: customers send at a fixed total
rate (round robin, each body carrying the sender's wall-clock time), agents record when each
message arrives. Lost = acknowledged but never delivered to the agent; duplicated = a
``seq`` delivered twice on one connection.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from kefu.chat.client import AgentClient, ChatClient

QUIET_SECONDS = 10.0  # give up waiting for deliveries after this long without one
MIN_SEARCH_RATE = 1.0
MAX_ACK_WAIT_SECONDS = 2.0  # stop offering load once a send waits this long for its ack


def _raise_open_files_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# In every client message id: a generator run on a database an earlier run wrote to
# sends new messages, not retries of the earlier run's (which the server answers from
# the log, as it should, and which would then never reach an agent); only this run's
# messages count for latency (agents replay the earlier ones when they subscribe).
RUN = uuid.uuid4().hex[:8]

class Recorder:
    """Deliveries to agents, keyed by (conversation, seq), with their latencies."""

    def __init__(self) -> None:
        self.delivered: dict[tuple[str, int], int] = {}
        self.latencies: dict[str, list[float]] = {}  # per phase (the client id's prefix)
        self.last_delivery = 0.0
        self.changed = asyncio.Event()

    def on_message(self, frame: dict[str, Any]) -> None:
        now = time.time()
        key = (frame["conversation"], frame["seq"])
        self.delivered[key] = self.delivered.get(key, 0) + 1
        cid, _, stamp = frame["body"].rpartition(" ")
        phase, _, rest = cid.partition("-")
        if rest.startswith(RUN):  # not a replay of an earlier run's message
            self.latencies.setdefault(phase, []).append(now - float(stamp))
        self.last_delivery = now
        self.changed.set()


OPEN_TIMEOUT = 120.0  # a loaded server may take a while to welcome a batch


async def _start_customer(client: ChatClient) -> None:
    try:
        await client.start()
    except ConnectionError:  # not welcomed within the client's default 10 s: keep waiting
        await client.wait_ready(OPEN_TIMEOUT)


async def _open(starts: list[Any], batch: int = 25) -> None:
    for first in range(0, len(starts), batch):
        await asyncio.gather(*starts[first:first + batch])


async def _phase(name: str, rate: float, duration: float, customers: list[ChatClient],
                 agents: list[AgentClient], recorder: Recorder, pid: int) -> dict[str, Any]:
    # CPU per message, the server's and this generator's: steadier than latency on a
    # shared machine, and it says which side ran out first.
    server_cpu, own_cpu, wall = _cpu_seconds(pid), time.process_time(), time.monotonic()
    total = max(1, int(rate * duration))
    echoes_before = sum(len(c.messages) for c in customers)
    acks: dict[str, tuple[str, int]] = {}
    failures: list[str] = []

    async def send(client: ChatClient, cid: str) -> None:
        try:
            seq = await client.send(f"{cid} {time.time():.6f}", client_msg_id=cid, timeout=60)
            assert client.conversation is not None
            acks[cid] = (client.conversation, seq)
        except Exception as exc:
            failures.append(repr(exc))

    tasks: list[asyncio.Task[None]] = []
    started = time.time()
    loop_start = time.monotonic()
    overloaded = False
    in_flight: collections.deque[tuple[float, asyncio.Task[None]]] = collections.deque()
    for n in range(total):
        due = loop_start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        while in_flight and in_flight[0][1].done():
            in_flight.popleft()
        if in_flight and time.monotonic() - in_flight[0][0] > MAX_ACK_WAIT_SECONDS:
            overloaded = True  # the server fell seconds behind: stop offering more
            total = n
            break
        task = asyncio.ensure_future(send(customers[n % len(customers)], f"{name}-{RUN}-{n}"))
        in_flight.append((time.monotonic(), task))
        tasks.append(task)
    sending_seconds = time.monotonic() - loop_start
    await asyncio.gather(*tasks)
    expected = set(acks.values())
    await _drain(expected, recorder)
    if not expected <= recorder.delivered.keys():
        # Doorbells may have been dropped: a ping makes each agent's server-side
        # connection read the log, as heartbeats would. Anything still missing is lost.
        await asyncio.gather(*(a.ping() for a in agents))
        await _drain(expected, recorder)
    server_cpu, own_cpu = _cpu_seconds(pid) - server_cpu, time.process_time() - own_cpu
    wall = time.monotonic() - wall
    received = [key for key in expected if key in recorder.delivered]
    elapsed = max(recorder.last_delivery, started + sending_seconds) - started
    latencies_ms = [1000 * x for x in recorder.latencies.get(name, [])]
    return {
        "phase": name, "offered_rate": rate, "overloaded": overloaded, "seconds": round(elapsed, 2),
        "sent": total, "acked": len(acks), "send_failures": len(failures),
        "delivered": len(received),
        "delivered_per_s": round(len(received) / elapsed, 1) if elapsed else 0.0,
        "deliveries_per_s": round(
            (len(received) + sum(len(c.messages) for c in customers) - echoes_before)
            / elapsed, 1) if elapsed else 0.0,
        "lost": len(expected) - len(received),
        "duplicated": sum(1 for key in expected if recorder.delivered.get(key, 0) > 1)
        + sum(a.duplicates for a in agents) + sum(c.duplicates for c in customers),
        "p50_ms": round(_percentile(latencies_ms, 0.50), 1),
        "p99_ms": round(_percentile(latencies_ms, 0.99), 1),
        "max_ms": round(max(latencies_ms), 1) if latencies_ms else float("nan"),
        "sending_lag_s": round(sending_seconds - total / rate, 2),
        "server_cpu_ms_per_msg": round(1000 * server_cpu / max(1, len(acks)), 3),
        "load_cpu_ms_per_msg": round(1000 * own_cpu / max(1, len(acks)), 3),
        # Share of one core each process used over the phase: a generator near 1.0 is
        # what limits the step, not the server.
        "server_cpu_share": round(server_cpu / wall, 2),
        "load_cpu_share": round(own_cpu / wall, 2),
        "failure_sample": failures[:3],
    }


async def _drain(expected: set[tuple[str, int]], recorder: Recorder) -> None:
    """Wait until every acked message reached its agent, or nothing arrives for a while."""
    while not expected <= recorder.delivered.keys():
        recorder.changed.clear()
        try:
            await asyncio.wait_for(recorder.changed.wait(), QUIET_SECONDS)
        except TimeoutError:
            return


def _passes(result: dict[str, Any], p99_limit_ms: float) -> bool:
    """Whether a step kept up with its offered rate, nothing lost, p99 under the limit.

    Kept up: no send waited ``MAX_ACK_WAIT_SECONDS`` for its ack, and at least 95 % of the
    offered rate was delivered, counting the time the backlog took to drain — a server
    whose capacity is below the offered rate delivers only its capacity.
    """
    return (not result["overloaded"] and result["lost"] == 0 and result["duplicated"] == 0
            and result["send_failures"] == 0
            and result["p99_ms"] < p99_limit_ms
            and result["delivered_per_s"] >= 0.95 * result["offered_rate"])


async def _step(rate: float, search: dict[str, Any], p99_limit_ms: float,
                customers: list[ChatClient], agents: list[AgentClient], recorder: Recorder,
                phases: list[dict[str, Any]], pid: int) -> bool:
    """One search step at ``rate``; a failed step is run once more before it counts.

    On a shared 2-core machine one stray pause (the load generator's own, another
    process's) can fail a whole step; a step that overloaded or lost something is not a
    stray pause and gets no second try.
    """
    for _attempt in range(2):
        step = await _phase(f"r{len(phases)}", rate, search["seconds"], customers,
                            agents, recorder, pid)
        step["p99_limit_ms"] = p99_limit_ms
        phases.append(step)
        if _passes(step, p99_limit_ms):
            return True
        if step["overloaded"] or step["lost"]:
            return False
    return False


async def _search(search: dict[str, Any], customers: list[ChatClient],
                  agents: list[AgentClient], recorder: Recorder,
                  phases: list[dict[str, Any]], pid: int) -> tuple[float | None, float | None]:
    """The highest rate with p99 under ``p99_ms``, then the highest that is sustained.

    Both step the rate up by ``factor`` (from ``start``; down by halves if the first step
    fails). *Sustained* is the same test with the looser ``sustain_p99_ms``: the server
    keeps up with the offered rate — nothing lost, 95 % delivered, no send waiting
    seconds for its ack — and its latency stays bounded; that search goes on from the
    rate where the first one stopped. Both servers, Kefu and the ceiling, are searched
    the same way.
    """
    args = (customers, agents, recorder, phases, pid)
    rate, best = float(search["start"]), None
    while MIN_SEARCH_RATE <= rate <= search["max"]:
        if await _step(rate, search, search["p99_ms"], *args):
            best = rate
            rate = round(rate * search["factor"], 1)
        elif best is None:
            rate = round(rate / 2, 1)
        else:
            break
    sustain_limit = search.get("sustain_p99_ms")
    if not sustain_limit or best is None:
        return best, best
    sustained = best
    while rate <= search["max"] and await _step(rate, search, sustain_limit, *args):
        sustained = rate
        rate = round(rate * search["factor"], 1)
    return best, sustained


async def main(config: dict[str, Any]) -> dict[str, Any]:
    seeded = config["seed"]
    url = config["url"]  # ws://host:port
    origin = url.replace("ws://", "http://")
    recorder = Recorder()
    customers = [ChatClient(url=f"{url}/ws/chat/", token=c["token"],
                            conversation=c["conversation"])
                 for c in seeded["customers"]]
    agents = [AgentClient(url=f"{url}/ws/desk/", cookie=a["cookie"], origin=origin,
                          on_message=recorder.on_message)
              for a in seeded["agents"]]
    pid = config["server_pid"]
    result: dict[str, Any] = {"connections": len(customers) + len(agents),
                              "rss_empty_mb": round(_rss(pid) / 2**20, 1)}
    starts = [a.start(s["conversations"], timeout=OPEN_TIMEOUT)
              for a, s in zip(agents, seeded["agents"], strict=True)]
    warm = min(100, len(agents))
    await _open(starts[:warm])
    rss_warm = _rss(pid)
    await _open(starts[warm:])
    await _open([_start_customer(c) for c in customers])
    rss_all = _rss(pid)
    # The generator holds 1,000 sockets too: its own full collections would pause every
    # client and show up as latency of whichever server is measured. Tuned as the servers.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    idle = len(customers) + len(agents) - warm
    result["rss_idle_mb"] = round(rss_all / 2**20, 1)
    result["kb_per_idle_connection"] = round((rss_all - rss_warm) / max(1, idle) / 1024, 1)
    phases = []
    try:
        if config.get("duration", 0) > 0:
            phases.append(await _phase("main", config["rate"], config["duration"], customers,
                                       agents, recorder, pid))
        search = config.get("search")
        if search:
            result["max_rate_p99_ok"], result["max_rate_sustained"] = await _search(
                search, customers, agents, recorder, phases, pid)
    finally:
        result["phases"] = phases
        await asyncio.gather(*(c.close() for c in customers), *(a.close() for a in agents))
    return result


if __name__ == "__main__":
    _raise_open_files_limit(65536)
    settings = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(main(settings))))
