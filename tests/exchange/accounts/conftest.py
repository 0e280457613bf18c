"""Fixtures for account tests: customers, client info, after-commit execution."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.services.signup import customer_sign_up

PASSWORD = "correct horse battery 9"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


@pytest.fixture
def client_info() -> ClientInfo:
    return ClientInfo(ip="203.0.113.7", user_agent=CHROME, device_token="known-device-token")


@pytest.fixture
def commits(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """``with commits():`` runs what the code under test defers to after commit (tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def make_customer(
    db: None, client_info: ClientInfo
) -> Callable[..., Customer]:
    def make(identifier: str = "alice@example.com", password: str = PASSWORD,
             language: str = "en") -> Customer:
        return customer_sign_up(
            identifier=identifier, password=password, language=language, client=client_info
        )

    return make


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer()


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    mail.outbox = []
