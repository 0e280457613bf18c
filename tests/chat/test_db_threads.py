"""The chat's database calls: Channels' one thread on SQLite, a pool on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from kefu.chat.db import db
from kefu.desk.models import Conversation


def where() -> tuple[str, int]:
    """The thread a call ran on, and that the database answers there."""
    return threading.current_thread().name, Conversation.objects.count()


@pytest.mark.django_db(transaction=True)
def test_with_more_than_one_thread_calls_run_on_the_pool(settings: Any) -> None:
    settings.KEFU_CHAT_DB_THREADS = 3

    async def calls() -> list[tuple[str, int]]:
        return [await db(where)() for _ in range(6)]

    results = async_to_sync(calls)()
    assert all(name.startswith("kefu-chat-db") for name, _ in results)
    assert {count for _, count in results} == {0}


@pytest.mark.django_db(transaction=True)
def test_with_one_thread_calls_run_where_channels_runs_them(settings: Any) -> None:
    settings.KEFU_CHAT_DB_THREADS = 1

    async def call() -> tuple[str, int]:
        return await db(where)()

    name, count = async_to_sync(call)()
    assert not name.startswith("kefu-chat-db")
    assert count == 0

