"""Concurrent wrong passwords cannot exceed the limit (row locks; PostgreSQL only)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import ActivityEvent, ActivityKind, Customer
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.accounts.services.signup import customer_sign_up

from .conftest import PASSWORD

THREADS = 12


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_are_counted_one_by_one() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; .ci/run runs it")
    customer = customer_sign_up(identifier="race@example.com", password=PASSWORD,
                                language="en", client=ClientInfo(ip=None))
    barrier = threading.Barrier(THREADS)

    def guess(n: int) -> str:
        try:
            barrier.wait()
            return login_attempt(identifier="race@example.com", password=f"guess-{n}",
                                 client=ClientInfo(ip=f"198.51.100.{n + 1}")).outcome
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(guess, range(THREADS)))
    # Exactly the limit of passwords were checked; every later guess met the lock.
    checked = ActivityEvent.objects.filter(customer=customer, kind=ActivityKind.LOGIN_FAILED)
    assert checked.count() == 5
    assert outcomes.count("invalid") == 4
    assert outcomes.count("locked") == THREADS - 4
    assert Customer.objects.get(pk=customer.pk).is_locked()
