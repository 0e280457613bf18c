"""Events the built-in exchange emits, as a real exchange would by webhook.

``emit(event_type, payload)`` is called by the exchange's services inside their
transaction; delivery waits for the commit (a task), so a rolled-back lock or failure
never reaches the desk. KEFU_EXCHANGE_EVENTS decides where it goes: ``desk`` (the desk's
handler, in-process), ``webhook`` (a signed POST to KEFU_EXCHANGE_EVENTS_URL, exactly the
wire format of docs/gateway.md) or ``off``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from kefu.core.tasks import RetryLater, task
from kefu.gateway.signing import sign_headers

logger = logging.getLogger(__name__)


def emit(event_type: str, payload: dict[str, Any]) -> None:
    """Queue one event for after the current transaction commits."""
    if settings.KEFU_EXCHANGE_EVENTS == "off":
        return
    event = {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "data": {k: "" if v is None else str(v) for k, v in payload.items()},
    }
    deliver_event.enqueue(event=event)


def _post(event: dict[str, Any]) -> None:
    url = settings.KEFU_EXCHANGE_EVENTS_URL or ""
    body = json.dumps(event, separators=(",", ":")).encode()
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = sign_headers(settings.KEFU_WEBHOOK_SECRET.encode(), method="POST", path=path,
                           body=body)
    request = urllib.request.Request(  # noqa: S310 - scheme checked by settings
        url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.KEFU_GATEWAY_TIMEOUT):  # noqa: S310
            return
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 401, 422):  # the desk will never take it: do not retry forever
            logger.error("exchange event %s refused: HTTP %s", event["id"], exc.code)
            return
        raise RetryLater(30, f"HTTP {exc.code}") from exc
    except OSError as exc:
        raise RetryLater(30, str(exc)) from exc


@task
def deliver_event(*, event: dict[str, Any]) -> None:
    """Hand one event to the desk (idempotent: the desk de-duplicates by event id)."""
    if settings.KEFU_EXCHANGE_EVENTS == "webhook":
        _post(event)
        return
    from kefu.desk.services.exchange_events import EventEnvelope, exchange_event_receive

    exchange_event_receive(envelope=EventEnvelope.model_validate(event, strict=False))
