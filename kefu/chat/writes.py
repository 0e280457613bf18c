"""Customer messages of all of a process's connections, stored a batch at a time.

A connection hands its customer's message to :func:`writer` and awaits the outcome. When
no batch is being written, the message goes at once, alone; while one is, the messages
arriving meanwhile wait and then go together, in one transaction
(:func:`kefu.chat.services.customer_send_many`: a lock query, one INSERT, one UPDATE for
the lot). Under light load nothing waits; under heavy load the cost per message falls as
the batches grow — group commit, as databases do for their own log.

Every outcome is still the message's own: an error for one message is that message's
error. If a whole batch fails unexpectedly, its messages are written again one by one,
so one bad message cannot take its neighbours down with it.
"""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings

from kefu.chat import services
from kefu.chat.db import db
from kefu.chat.services import CustomerMessage, Posted
from kefu.core.loops import loop_local

logger = logging.getLogger(__name__)

# At most this many messages per transaction (bounded statements, bounded latency).
MAX_BATCH = 64

Outcome = Posted | BaseException


class CustomerWrites:
    """The write queue of one event loop (one server process).

    Up to ``KEFU_CHAT_DB_THREADS`` batches are written at once: one by default (SQLite
    takes one writer at a time, and on PostgreSQL with two cores a second lane cost
    more than it saved; kefu/config/settings/base.py).
    """

    def __init__(self) -> None:
        self.waiting: list[tuple[CustomerMessage, asyncio.Future[Posted]]] = []
        self.writers: set[asyncio.Task[None]] = set()
        self.lanes = int(settings.KEFU_CHAT_DB_THREADS)

    async def send(self, message: CustomerMessage) -> Posted:
        """Store ``message``; its :class:`Posted`, or the error that kept it out."""
        future: asyncio.Future[Posted] = asyncio.get_running_loop().create_future()
        self.waiting.append((message, future))
        if len(self.writers) < self.lanes:
            task = asyncio.ensure_future(self._write_all())
            self.writers.add(task)
            task.add_done_callback(self.writers.discard)
        return await future

    async def _write_all(self) -> None:
        batch: list[tuple[CustomerMessage, asyncio.Future[Posted]]] = []
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                outcomes = await _write([message for message, _future in batch])
                for (_message, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its connection went away meanwhile
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                batch = []
        finally:
            # Only when cancelled (the server stopping): nobody is left waiting forever.
            for _message, future in batch:
                if not future.done():
                    future.cancel()


async def _write(messages: list[CustomerMessage]) -> list[Outcome]:
    try:
        return list(await db(services.customer_send_many)(messages))
    except Exception as exc:
        if len(messages) == 1:
            return [exc]
        logger.warning("a batch of %d chat messages failed; writing them one by one",
                       len(messages), exc_info=True)
    return [outcome for message in messages for outcome in await _write([message])]


writer = loop_local(CustomerWrites)
