"""The exchange's signed event webhook: verify, store (or quarantine), acknowledge, apply.

``POST /hooks/exchange/v1/events`` signed with KEFU_WEBHOOK_SECRET (kefu.gateway.signing).
Answers: 200 ``{"status": "accepted" | "duplicate"}`` once stored; 400 with the reason
when the body is malformed or the type unknown (kept in quarantine); 401 when the
signature is missing, wrong or stale (nothing stored: it is not the exchange speaking).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from kefu.desk.services.exchange_events import (
    EVENT_TYPES,
    EventEnvelope,
    exchange_event_quarantine,
    exchange_event_receive,
)
from kefu.gateway import SignatureError, verify_signature


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _rejection(body: bytes, exc: ValidationError) -> tuple[str, str]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        return "malformed", str(bad)
    if isinstance(data, dict) and data.get("type") not in EVENT_TYPES:
        return "unknown_type", str(data.get("type"))[:100]
    return "invalid", exc.json(include_url=False, include_input=False)


@csrf_exempt
@require_POST
def exchange_event(request: HttpRequest) -> JsonResponse:
    try:
        verify_signature([settings.KEFU_WEBHOOK_SECRET.encode()], headers=request.headers,
               method="POST", path=request.get_full_path(), body=request.body)
    except SignatureError as exc:
        return _error(401, "bad_signature", exc.reason)
    try:
        envelope = EventEnvelope.model_validate_json(request.body)
    except ValidationError as exc:
        reason, detail = _rejection(request.body, exc)
        event = exchange_event_quarantine(body=request.body, reason=reason, detail=detail)
        return _error(400, reason, f"quarantined as {event.event_id}")
    event, created = exchange_event_receive(envelope=envelope)
    return JsonResponse({"status": "accepted" if created else "duplicate", "id": event.event_id})
