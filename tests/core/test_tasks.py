"""The one task API: after commit only, never on rollback, same code on every backend."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import transaction

from kefu.core import tasks

calls: list[int] = []
seen = threading.Event()


@tasks.task
def remember(*, value: int) -> None:
    calls.append(value)
    seen.set()


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()
    seen.clear()


@pytest.mark.django_db(transaction=True)
def test_task_runs_only_after_commit() -> None:
    with transaction.atomic():
        remember.enqueue(value=1)
        assert calls == []
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_task_is_dropped_when_the_transaction_rolls_back() -> None:
    def enqueue_then_fail() -> None:
        with transaction.atomic():
            remember.enqueue(value=2)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        enqueue_then_fail()
    assert calls == []


def test_arguments_must_be_json() -> None:
    with pytest.raises(TypeError):
        remember.enqueue(value=object())


def test_unknown_task_name_is_an_error() -> None:
    with pytest.raises(LookupError):
        tasks.get_task("kefu.nope")


def test_thread_backend_runs_tasks_and_retries_after_errors() -> None:
    attempts: list[int] = []
    done = threading.Event()

    @tasks.task
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise tasks.RetryLater(0, "first try fails")
        done.set()

    backend = tasks.ThreadBackend()
    backend.submit(flaky.name, {}, 0)
    assert done.wait(10)
    assert len(attempts) == 2
    assert backend.wait_idle(10)


@pytest.mark.services
def test_celery_worker_runs_a_task_through_the_broker(settings: object) -> None:
    broker = os.environ.get("KEFU_TEST_BROKER_URL")
    if not broker:
        if os.environ.get("KEFU_REQUIRE_SERVICES") == "true":
            pytest.fail("KEFU_TEST_BROKER_URL must be set when KEFU_REQUIRE_SERVICES=true")
        pytest.skip("no broker configured (set KEFU_TEST_BROKER_URL; .ci/run does)")
    from celery.contrib.testing.worker import start_worker

    from kefu.config.celery import app

    app.conf.broker_url = broker
    app.conf.result_backend = None
    app.conf.broker_heartbeat = 0
    queue = f"kefu-test-{os.getpid()}"
    app.conf.task_default_queue = queue
    with start_worker(
        app,
        pool="threads",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
        queues=[queue],
    ):
        tasks.CeleryBackend().submit(remember.name, {"value": 7}, 0)
        assert seen.wait(30)
    assert calls == [7]


def test_periodic_tasks_are_registered_with_their_interval() -> None:
    @tasks.periodic(every=5)
    def tick() -> None:
        calls.append(0)

    assert tasks.periodic_tasks()[tick.name] == 5
    tick()
    assert calls == [0]


def test_desk_minutely_is_scheduled_every_minute() -> None:
    from kefu.desk.tasks import desk_minutely

    assert tasks.periodic_tasks()[desk_minutely.name] == 60
