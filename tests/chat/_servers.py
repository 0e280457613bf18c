"""Real server processes for the chat: a throwaway database, uvicorn on a free port, kill -9.

Used by ``tests/chat/test_processes.py`` and ``bench/chat_bench.py``. A :class:`Site` is one
database (a SQLite file in a temporary directory, or a new PostgreSQL database next to the
suite's own when ``DATABASE_URL`` points at PostgreSQL), migrated and seeded by
subprocesses running the embedded settings — exactly what a deployment runs. A
:class:`Server` is one ``uvicorn kefu.config.asgi:application`` process on that database;
readiness is polled on its TCP port, never waited for with a sleep. Every process started
here is killed when the interpreter exits, whatever happened.

Seeding (``python -m tests.chat._servers seed …``) prints JSON: agents with a session
cookie past the TOTP step, customers with a signed token and an open conversation.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECRET_KEY = "chat-process-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
TOKEN_SECRET = "chat-process-tests-token-secret-0123456789"
# Variables of the test process that must not leak into a server's environment.
_NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "KEFU_DATA_DIR",
                  "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST")

_running: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_running):
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            process.wait(5)
    _running.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Server:
    """One uvicorn process; start, kill -9, start again on the same port."""

    env: dict[str, str]
    app: str = "kefu.config.asgi:application"
    port: int = field(default_factory=free_port)
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def url(self, path: str = "/ws/chat/") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> Server:
        assert self.process is None or self.process.poll() is not None, "already running"
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "uvicorn", self.app, "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-server-header", "--log-level", "warning",
                 "--no-access-log", "--ws-per-message-deflate", "false"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        finally:
            if out is not subprocess.DEVNULL:
                out.close()  # type: ignore[union-attr]
        _running.add(self.process)
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"server not listening after {timeout}s: {self.tail()}")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(0.05)  # the poll's pace, and notice an early exit
        return self

    def kill(self) -> None:
        """``kill -9``: no shutdown handlers, no flush, nothing."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        _running.discard(self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        _running.discard(self.process)

    def tail(self, chars: int = 3000) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Site:
    """A migrated, seeded database and the environment servers on it run with."""

    directory: Path
    env: dict[str, str]
    seed: dict[str, Any]

    def server(self, *, app: str = "kefu.config.asgi:application", **env: str) -> Server:
        name = f"server-{uuid.uuid4().hex[:6]}.log"
        return Server(env={**self.env, **env}, app=app, log=self.directory / name)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def _postgres_database(url: str, name_hint: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "kefu"
    name = f"{base}_{name_hint}_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def site(*, database_url: str | None = None, redis_url: str | None = None,
         customers: int = 1, agents: int = 1, per_agent: int = 1,
         env: dict[str, str] | None = None, name_hint: str = "proc") -> Iterator[Site]:
    """A new database for server processes.

    ``database_url``: a PostgreSQL URL next to which a throwaway database is created
    (and dropped afterwards); ``None`` means a SQLite file with the embedded settings
    (WAL, immediate transactions). ``redis_url`` switches the servers to channels_redis.
    """
    with tempfile.TemporaryDirectory(prefix="kefu-chat-") as tmp, contextlib.ExitStack() as stack:
        directory = Path(tmp)
        server_env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        server_env.update({
            "DJANGO_SETTINGS_MODULE": "kefu.config.settings.embedded",
            "KEFU_SECRET_KEY": SECRET_KEY,
            "KEFU_CHAT_TOKEN_SECRET": TOKEN_SECRET,
            "KEFU_DATA_DIR": str(directory),
            "PYTHONPATH": str(ROOT),
        })
        if database_url and urlsplit(database_url).scheme.startswith("postgres"):
            server_env["DATABASE_URL"] = stack.enter_context(
                _postgres_database(database_url, name_hint))
        if redis_url:
            server_env["REDIS_URL"] = redis_url
        server_env.update(env or {})
        _manage(server_env, "manage.py", "migrate", "--no-input", "-v0")
        seeded = _manage(server_env, "-m", "tests.chat._servers", "seed",
                         "--customers", str(customers), "--agents", str(agents),
                         "--per-agent", str(per_agent))
        yield Site(directory, server_env, json.loads(seeded.strip().splitlines()[-1]))


def suite_database_url() -> str | None:
    """The PostgreSQL server the suite runs on, if any (servers get their own database)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres", "pgsql")) else None


# --- seeding (runs in a subprocess with the servers' settings) --------------------------
def _seed(customers: int, agents: int, per_agent: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings

    from kefu.chat.tokens import mint_account_token
    from kefu.desk.models import Team
    from kefu.desk.services.conversations import conversation_open
    from kefu.desk.services.customers import customer_for_account
    from tests.desk.conftest import DeskClient, make_agent

    team = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                               is_default=True)
    seeded: dict[str, Any] = {"agents": [], "customers": []}
    for n in range(customers):
        customer = customer_for_account(external_ref=f"acct-{n}", display_name=f"Customer {n}")
        conversation = conversation_open(customer=customer, channel="web", team=team)
        seeded["customers"].append({
            "token": mint_account_token(customer.external_ref),
            "conversation": str(conversation.public_id),
        })
    conversations = [c["conversation"] for c in seeded["customers"]]
    for n in range(agents):
        client = DeskClient()
        client.force_login(make_agent(f"agent{n}", team))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        seeded["agents"].append({
            "cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
            "conversations": conversations[n * per_agent:(n + 1) * per_agent],
        })
    return seeded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed")
    seed.add_argument("--customers", type=int, default=1)
    seed.add_argument("--agents", type=int, default=1)
    seed.add_argument("--per-agent", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(_seed(args.customers, args.agents, args.per_agent)))


if __name__ == "__main__":
    main()
