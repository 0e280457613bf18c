"""Realtime doorbells for the console and (later) the live chat.

The database is the source of truth (message ``seq``, conversation fields); these events
only tell listeners to look. They are sent after the transaction commits, to the groups
``conv.<id>`` and ``desk.inbox``. A lost event costs nothing but latency: clients catch
up from the last sequence they saw.

Inside the ASGI server the commit runs on the database thread of
``database_sync_to_async``; waiting there for the event loop to deliver the doorbells
would hold up every other database call of the process. So when the running server's
event loop is known (asgiref keeps it for its worker threads), the doorbells are handed
to that loop and not waited for (:class:`Doorbells`: in order, and together when they pile
up); elsewhere (WSGI, commands, plain tests) they are sent before returning.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

from kefu.core.loops import loop_local

logger = logging.getLogger(__name__)

INBOX_GROUP = "desk.inbox"


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop this worker thread serves, if it is running and this is not it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return None  # on the loop itself: async_to_sync refuses, callers should await
    threadlocal = SyncToAsync.threadlocal
    if getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop: asyncio.AbstractEventLoop | None = getattr(threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None  # left over from an earlier, finished loop
    return loop


Send = tuple[str, dict[str, Any]]  # (group, message)


async def _send_all(layer: BaseChannelLayer, sends: list[Send]) -> None:
    """``group_send`` each (group, message) in order; one call where the layer can take
    several at once (kefu.chat.layers: two Redis round trips instead of four per group)."""
    try:
        many = getattr(layer, "group_send_many", None)
        if many is not None:
            await many(sends)
            return
        for group, message in sends:
            await layer.group_send(group, message)
    except Exception:  # a doorbell must never break the write that rang it
        logger.warning("could not publish %d doorbells", len(sends), exc_info=True)


class Doorbells:
    """The doorbells handed to one event loop: sent in the order they were rung, and
    together when they pile up (a batch of messages commits, several threads write)."""

    def __init__(self) -> None:
        self.queue: list[tuple[BaseChannelLayer, list[Send]]] = []
        self.rung = 0  # hand-overs so far
        self.sent = 0  # hand-overs that are in the layer
        self.waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    def add(self, layer: BaseChannelLayer, sends: list[Send]) -> None:
        """On the loop: queue one hand-over."""
        self.queue.append((layer, sends))
        self.rung += 1
        if self.task is None:
            self.task = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        try:
            while self.queue:
                queued, self.queue = self.queue, []
                covered = self.rung  # every hand-over so far is in ``queued``
                while queued:
                    layer = queued[0][0]
                    run = []
                    while queued and queued[0][0] is layer:
                        run.extend(queued.pop(0)[1])
                    await _send_all(layer, run)
                self.sent = covered
                self._wake()
        finally:
            self.task = None
            if self.queue:  # cancelled (the loop stopping): nobody waits for them
                self.queue = []
            self.sent = self.rung
            self._wake()

    def _wake(self) -> None:
        waiting = []
        for target, future in self.waiters:
            if self.sent >= target:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((target, future))
        self.waiters = waiting

    async def wait(self) -> None:
        """Until every hand-over made before this call is in the layer."""
        if self.sent >= self.rung:
            return
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((self.rung, future))
        try:
            await asyncio.wait_for(future, timeout=5)
        except TimeoutError:
            logger.warning("doorbells still not in the channel layer after 5 s")


doorbells = loop_local(Doorbells)


def ring(sends: list[Send]) -> None:
    """``group_send`` each (group, message) in order, without waiting when in the server."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    loop = _server_loop()
    if loop is not None:
        # Runs on the loop before the database call that rang returns there (the loop
        # runs callbacks in order), so the caller's :func:`rung` already sees it.
        try:
            loop.call_soon_threadsafe(lambda: doorbells().add(layer, sends))
        except RuntimeError:  # the loop closed meanwhile (the server stopping)
            logger.warning("could not publish doorbells: the event loop is closed")
        return
    try:
        async_to_sync(_send_all)(layer, sends)
    except Exception:  # e.g. sync code on a thread running a loop: a doorbell never breaks a write
        logger.warning("could not publish doorbells", exc_info=True)


async def rung() -> None:
    """Wait until the doorbells handed to this loop so far are in the layer.

    A connection acknowledging a write awaits this first, so the doorbells of that write
    are on their way before the ack, as when they were sent inside the write.
    """
    await doorbells().wait()


# Doorbell ids: unique per process by the tag, and across processes by it too; a counter
# costs nothing where random bytes per doorbell were a system call each.
_PROCESS_TAG = secrets.token_hex(4)
_doorbell_numbers = itertools.count(1)


def _doorbell(conversation_id: int, event: dict[str, Any]) -> list[Send]:
    # ``id`` names this doorbell: listeners of one process may share work per doorbell.
    message = {"type": "desk.event", "conversation_id": conversation_id,
               "id": f"{_PROCESS_TAG}.{next(_doorbell_numbers)}", **event}
    return [(conversation_group(conversation_id), message), (INBOX_GROUP, message)]


def publish(conversation_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` (JSON-serialisable, with an ``event`` key) once the transaction commits."""
    publish_many([(conversation_id, event)])


def publish_many(events: list[tuple[int, dict[str, Any]]]) -> None:
    """:func:`publish` for several (conversation id, event), in order, handed over at once:
    a batch of chat messages wakes the server's event loop once, not once per message."""
    if events:
        transaction.on_commit(
            lambda: ring([send for pk, event in events for send in _doorbell(pk, event)]))
