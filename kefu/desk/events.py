"""Realtime doorbells for the console and (later) the live chat.

The database is the source of truth (message ``seq``, conversation fields); these events
only tell listeners to look. They are sent after the transaction commits, to the groups
``conv.<id>`` and ``desk.inbox``. A lost event costs nothing but latency: clients catch
up from the last sequence they saw.

Inside the ASGI server the commit runs on the database thread of
``database_sync_to_async``; waiting there for the event loop to deliver the doorbells
would hold up every other database call of the process. So when the running server's
event loop is known (asgiref keeps it for its worker threads), the doorbells are handed
to that loop and not waited for; elsewhere (WSGI, commands, plain tests) they are sent
before returning.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import secrets
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

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


async def _send_all(layer: BaseChannelLayer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    for group, message in sends:
        try:
            await layer.group_send(group, message)
        except Exception:  # a doorbell must never break the write that rang it
            logger.warning("could not publish %s to %s", message.get("type"), group,
                           exc_info=True)


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("could not publish doorbells", exc_info=future.exception())


# Doorbells handed to an event loop and not yet in the layer, with that loop.
_pending: dict[concurrent.futures.Future[None], asyncio.AbstractEventLoop] = {}


def ring(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """``group_send`` each (group, message) in order, without waiting when in the server."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    loop = _server_loop()
    if loop is not None:
        future = asyncio.run_coroutine_threadsafe(_send_all(layer, sends), loop)
        _pending[future] = loop
        future.add_done_callback(lambda done: _pending.pop(done, None))
        future.add_done_callback(_log_failure)
        return
    try:
        async_to_sync(_send_all)(layer, sends)
    except Exception:  # e.g. sync code on a thread running a loop: a doorbell never breaks a write
        logger.warning("could not publish doorbells", exc_info=True)


async def rung() -> None:
    """Wait until the doorbells handed to the loop so far are in the layer.

    A connection acknowledging a write awaits this first, so the doorbells of that write
    are on their way before the ack, as when they were sent inside the write.
    """
    loop = asyncio.get_running_loop()
    waiting = [asyncio.wrap_future(future) for future, on in list(_pending.items())
               if on is loop]
    if waiting:
        await asyncio.wait(waiting, timeout=5)


def _send(conversation_id: int, event: dict[str, Any]) -> None:
    # ``id`` names this doorbell: listeners of one process may share work per doorbell.
    message = {"type": "desk.event", "conversation_id": conversation_id,
               "id": secrets.token_hex(8), **event}
    ring([(conversation_group(conversation_id), message), (INBOX_GROUP, message)])


def publish(conversation_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` (JSON-serialisable, with an ``event`` key) once the transaction commits."""
    transaction.on_commit(lambda: _send(conversation_id, event))
