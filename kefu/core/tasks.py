"""One API for background work, whatever runs it.

Define a task with :func:`task` in an app's ``tasks.py`` and enqueue it with
``my_task.enqueue(id=...)``. The call is deferred to ``transaction.on_commit``, so a task
never sees data from a transaction that rolled back, and never runs before the data it
needs is visible. Arguments must be JSON-serialisable (ids, not model instances).

Who runs it is a setting, ``KEFU_TASK_BACKEND``:

* ``thread`` (embedded default): a worker thread inside the web process;
* ``celery``: Celery workers, chosen automatically when ``CELERY_BROKER_URL`` is set;
* ``immediate`` (tests): run synchronously right after the commit.

Tasks must be idempotent: Celery delivers at least once (``acks_late``), and a task may be
retried after a transient error. Write them as "fetch by id, check state, call a service".
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

TaskFunc = Callable[..., None]


class RetryLater(Exception):
    """Raised by a task to be run again after ``delay`` seconds (transient failure)."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {delay}s")
        self.delay = delay


@dataclass(frozen=True)
class Task:
    name: str
    func: TaskFunc

    def enqueue(self, *, countdown: float = 0, **kwargs: Any) -> None:
        """Run ``func(**kwargs)`` in the background once the current transaction commits."""
        json.dumps(kwargs)  # fail at the call site, not in a worker
        transaction.on_commit(lambda: get_backend().submit(self.name, kwargs, countdown))

    def __call__(self, **kwargs: Any) -> None:
        self.func(**kwargs)


_registry: dict[str, Task] = {}


def task(func: TaskFunc) -> Task:
    """Register ``func`` as a background task named after its module and function."""
    name = f"{func.__module__}.{func.__qualname__}"
    if name in _registry and _registry[name].func is not func:
        raise RuntimeError(f"task {name} registered twice")
    registered = Task(name=name, func=func)
    _registry[name] = registered
    return registered


_periodic: dict[str, float] = {}


def periodic(every: float) -> Callable[[TaskFunc], Task]:
    """Register a task that runs every ``every`` seconds, with no arguments.

    The thread backend runs a scheduler thread in the web process (started by
    :func:`start_scheduler` from the ASGI entry point); with Celery, ``celery beat`` reads
    the same table (see ``kefu/config/celery.py``). Periodic tasks must tolerate running
    late, twice, or on several processes at once: claim work with row locks or
    conditional updates.
    """

    def register(func: TaskFunc) -> Task:
        registered = task(func)
        _periodic[registered.name] = every
        return registered

    return register


def periodic_tasks() -> dict[str, float]:
    return dict(_periodic)


_scheduler_started = threading.Event()


def start_scheduler() -> None:
    """Run periodic tasks on the thread backend (idempotent; a daemon thread)."""
    if settings.KEFU_TASK_BACKEND != "thread" or _scheduler_started.is_set():
        return
    _scheduler_started.set()

    def loop() -> None:
        due = {name: time.monotonic() + every for name, every in _periodic.items()}
        while True:
            now = time.monotonic()
            for name, at in due.items():
                if at <= now:
                    get_backend().submit(name, {}, 0)
                    due[name] = now + _periodic[name]
            time.sleep(max(0.5, min(due.values(), default=now + 60) - time.monotonic()))

    threading.Thread(target=loop, name="kefu-scheduler", daemon=True).start()


def get_task(name: str) -> Task:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"unknown task {name!r}") from None


def run_by_name(name: str, kwargs: dict[str, Any]) -> None:
    get_task(name).func(**kwargs)


class Backend(Protocol):
    def submit(self, name: str, kwargs: dict[str, Any], countdown: float) -> None: ...


class ImmediateBackend:
    """Runs the task at once in the caller's thread (after commit). For tests."""

    def submit(self, name: str, kwargs: dict[str, Any], countdown: float) -> None:
        try:
            run_by_name(name, kwargs)
        except RetryLater as retry:
            # Tests move time themselves; re-run right away so retries stay observable.
            logger.info("task %s asked to retry (%s); running again", name, retry)
            self.submit(name, kwargs, 0)


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    name: str = field(compare=False)
    kwargs: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class ThreadBackend:
    """A worker thread in the web process: the embedded default, no other server needed.

    Work queued here lives in memory, so a crash loses tasks not yet run; installations
    that cannot accept that configure a broker and run Celery workers.
    """

    max_attempts = 8

    def __init__(self) -> None:
        self._heap: list[_Scheduled] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, name: str, kwargs: dict[str, Any], countdown: float) -> None:
        self._push(_Scheduled(time.monotonic() + countdown, next(self._seq), name, kwargs))

    def _push(self, item: _Scheduled) -> None:
        with self._cond:
            heapq.heappush(self._heap, item)
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="kefu-tasks", daemon=True)
                self._thread.start()
            self._cond.notify()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no task is queued or running (used by management commands)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0].due > time.monotonic():
                    if not self._heap:
                        self._idle.set()
                        self._cond.wait()
                    else:
                        self._cond.wait(self._heap[0].due - time.monotonic())
                item = heapq.heappop(self._heap)
            self._run(item)

    def _run(self, item: _Scheduled) -> None:
        close_old_connections()
        try:
            run_by_name(item.name, item.kwargs)
        except RetryLater as retry:
            self._retry(item, retry.delay, str(retry))
        except Exception:
            logger.exception("task %s failed (attempt %d)", item.name, item.attempt + 1)
            self._retry(item, min(2**item.attempt, 300), "error")
        finally:
            close_old_connections()

    def _retry(self, item: _Scheduled, delay: float, reason: str) -> None:
        if item.attempt + 1 >= self.max_attempts:
            logger.error(
                "task %s gave up after %d attempts (%s)", item.name, item.attempt + 1, reason
            )
            return
        self._push(
            _Scheduled(
                time.monotonic() + delay, next(self._seq), item.name, item.kwargs, item.attempt + 1
            )
        )


class CeleryBackend:
    """Hands the task to Celery workers through the configured broker."""

    def submit(self, name: str, kwargs: dict[str, Any], countdown: float) -> None:
        get_task(name)  # unknown names fail here, in the web process
        run_task.apply_async(args=(name, kwargs), countdown=countdown)


@shared_task(name="kefu.run_task", bind=True, max_retries=8)
def run_task(self: Any, name: str, kwargs: dict[str, Any]) -> None:
    try:
        run_by_name(name, kwargs)
    except RetryLater as retry:
        raise self.retry(countdown=retry.delay) from retry


_backends: dict[str, Backend] = {}
_backend_lock = threading.Lock()


def get_backend() -> Backend:
    kind: str = settings.KEFU_TASK_BACKEND
    with _backend_lock:
        if kind not in _backends:
            factories: dict[str, Callable[[], Backend]] = {
                "immediate": ImmediateBackend,
                "thread": ThreadBackend,
                "celery": CeleryBackend,
            }
            _backends[kind] = factories[kind]()
        return _backends[kind]
