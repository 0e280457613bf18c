"""Realtime doorbells for the console and (later) the live chat.

The database is the source of truth (message ``seq``, conversation fields); these events
only tell listeners to look. They are sent after the transaction commits, to the groups
``conv.<id>`` and ``desk.inbox``. A lost event costs nothing but latency: clients catch
up from the last sequence they saw.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

INBOX_GROUP = "desk.inbox"


def conversation_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def _send(conversation_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "desk.event", "conversation_id": conversation_id, **event}
    for group in (conversation_group(conversation_id), INBOX_GROUP):
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # a doorbell must never break the write that rang it
            logger.warning("could not publish %s to %s", event.get("event"), group, exc_info=True)


def publish(conversation_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` (JSON-serialisable, with an ``event`` key) once the transaction commits."""
    transaction.on_commit(lambda: _send(conversation_id, event))
