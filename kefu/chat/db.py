"""The chat consumers' way to the database.

Channels' ``database_sync_to_async`` runs every call on one thread per process. On SQLite
that is right: one writer at a time, and the ORM's work is CPU the GIL serialises anyway.
On PostgreSQL a write spends part of its time waiting on round trips, which a second
thread could use; with ``KEFU_CHAT_DB_THREADS`` > 1, :func:`db` runs calls on a pool of
that many threads, each with its own connection, cleaned up around each call as Channels
does. The default is one thread on PostgreSQL too: customers' messages are written in
batches (kefu.chat.writes), and on two cores a second thread cost more in GIL contention
and smaller batches than it saved (docs/benchmarks.md).

Ordering does not depend on the thread: a connection awaits its own calls one by one,
writes to one conversation are serialised by its row lock, and listeners order what
they show by ``seq`` (doorbells from different threads may arrive out of order; a gap is
read from the log).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # by size: one, unless a test changes the setting


def _executor(threads: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix="kefu-chat-db")
        return pool


def db(func: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """``func`` as an awaitable run on the chat's database thread(s)."""
    threads = int(settings.KEFU_CHAT_DB_THREADS)
    if threads <= 1:
        return database_sync_to_async(func)  # type: ignore[no-any-return]
    return DatabaseSyncToAsync(  # type: ignore[no-any-return]
        func, thread_sensitive=False, executor=_executor(threads))
