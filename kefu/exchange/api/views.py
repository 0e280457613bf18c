"""Signed JSON endpoints: one per gateway operation, each a thin call to BuiltinGateway.

Errors are ``{"error": {"code": ..., "message": ...}}`` with 400 (malformed JSON or
query), 401 (signature), 404 (unknown customer or withdrawal), 409 (action refused),
422 (well-formed but invalid body, or an idempotency key reused for another request).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.exchange.api.models import ActionRequest
from kefu.gateway import wire
from kefu.gateway.builtin import BuiltinGateway
from kefu.gateway.interface import ActionRefused, UnknownCustomer, UnknownWithdrawal
from kefu.gateway.signing import IDEMPOTENCY_HEADER, SignatureError, verify

logger = logging.getLogger(__name__)

View = Callable[..., JsonResponse]
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message or code


def error(status: int, code: str, message: str = "") -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message or code}}, status=status)


class ActionBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    actor_label: str = Field(min_length=1, max_length=100)
    reason: str = Field(max_length=500)  # empty is the exchange's refusal, not a 422


class FindBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed", f"body is not JSON: {exc}") from None


def _parse(model: type[M], request: HttpRequest) -> M:
    data = _json_body(request)
    if not isinstance(data, dict):
        raise ApiError(400, "malformed", "body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid", exc.json(include_url=False, include_input=False)) from None


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit", "20")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ApiError(400, "bad_limit", "limit must be an integer from 1 to 100")
    return int(raw)


def signed(method: str) -> Callable[[View], View]:
    """Verify the signature, then run the view; map gateway exceptions to JSON errors."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method != method:
                return error(405, "method_not_allowed", f"use {method}")
            secret = settings.KEFU_GATEWAY_SECRET
            if not secret:
                return error(503, "not_configured", "KEFU_GATEWAY_SECRET is not set")
            try:
                verify([secret.encode()], headers=request.headers, method=request.method,
                       path=request.get_full_path(), body=request.body)
            except SignatureError as exc:
                return error(401, "bad_signature", exc.reason)
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error(exc.status, exc.code, exc.message)
            except UnknownCustomer:
                return error(404, "unknown_customer", "no such customer")
            except UnknownWithdrawal:
                return error(404, "unknown_withdrawal", "no such withdrawal")
            except ActionRefused as exc:
                return error(409, exc.code, str(exc))

        return wrapper

    return decorate


def _answer(status: int, payload: dict[str, Any]) -> JsonResponse:
    return JsonResponse(payload, status=status)


def _once(request: HttpRequest, act: Callable[[], dict[str, Any]]) -> JsonResponse:
    """Run an action at most once per ``Idempotency-Key`` and replay its answer.

    The record is written in the same transaction as the action, so either both exist or
    neither; a concurrent duplicate waits on the unique key, then replays.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not key:
        raise ApiError(400, "idempotency_key_required", f"send an {IDEMPOTENCY_HEADER} header")
    if len(key) > 200:
        raise ApiError(400, "bad_idempotency_key", "at most 200 characters")
    fingerprint = hashlib.sha256(
        f"{request.method} {request.path}\n".encode() + request.body
    ).hexdigest()
    try:
        with transaction.atomic():
            record = ActionRequest.objects.create(key=key, fingerprint=fingerprint, status=0)
            try:
                status, payload = 200, act()
            except (UnknownCustomer, UnknownWithdrawal, ActionRefused) as exc:
                response = _gateway_error(exc)
                status, payload = response.status_code, json.loads(response.content)
            record.status = status
            record.response = payload
            record.save(update_fields=["status", "response"])
    except IntegrityError:
        record = ActionRequest.objects.get(key=key)
    if record.fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused", "this key was used for another request")
    return _answer(record.status, record.response)


def _gateway_error(exc: Exception) -> JsonResponse:
    if isinstance(exc, UnknownCustomer):
        return error(404, "unknown_customer", "no such customer")
    if isinstance(exc, UnknownWithdrawal):
        return error(404, "unknown_withdrawal", "no such withdrawal")
    assert isinstance(exc, ActionRefused)
    return error(409, exc.code, str(exc))


# --- customers


@signed("POST")
def customer_find(request: HttpRequest) -> JsonResponse:
    # A POST so that addresses stay out of URLs and access logs; it changes nothing.
    body = _parse(FindBody, request)
    ref = BuiltinGateway().find_customer(email=body.email, phone=body.phone)
    return JsonResponse({"customer_ref": ref})


@signed("GET")
def customer_summary(request: HttpRequest, ref: str) -> JsonResponse:
    return JsonResponse(wire.dump(wire.SUMMARY, BuiltinGateway().account_summary(ref)))


@signed("GET")
def customer_activity(request: HttpRequest, ref: str) -> JsonResponse:
    items = BuiltinGateway().recent_activity(ref, limit=_limit(request))
    return JsonResponse({"items": wire.dump(wire.ACTIVITY, items)})


ACCOUNT_ACTIONS = {"unlock", "freeze", "unfreeze", "reset-2fa"}


@signed("POST")
def customer_action(request: HttpRequest, ref: str, action: str) -> JsonResponse:
    if action not in ACCOUNT_ACTIONS:
        raise ApiError(404, "unknown_action", action)
    body = _parse(ActionBody, request)
    gateway = BuiltinGateway()
    method = getattr(gateway, action.replace("-", "_"))

    def act() -> dict[str, Any]:
        method(ref, actor_label=body.actor_label, reason=body.reason)
        return {"ok": True}

    return _once(request, act)


@signed("GET")
def customer_withdrawals(request: HttpRequest, ref: str) -> JsonResponse:
    gateway = BuiltinGateway()
    items = gateway.withdrawals(ref, limit=_limit(request))
    return JsonResponse({"items": wire.dump(wire.WITHDRAWALS, items)})


# --- withdrawals


@signed("GET")
def withdrawal_detail(request: HttpRequest, ref: str) -> JsonResponse:
    return JsonResponse(wire.dump(wire.WITHDRAWAL, BuiltinGateway().withdrawal(ref)))


@signed("POST")
def withdrawal_action(request: HttpRequest, ref: str, action: str) -> JsonResponse:
    if action not in {"retry", "cancel"}:
        raise ApiError(404, "unknown_action", action)
    body = _parse(ActionBody, request)
    gateway = BuiltinGateway()
    method = gateway.retry_withdrawal if action == "retry" else gateway.cancel_withdrawal

    def act() -> dict[str, Any]:
        result = method(ref, actor_label=body.actor_label, reason=body.reason)
        return dict(wire.dump(wire.WITHDRAWAL, result))

    return _once(request, act)
