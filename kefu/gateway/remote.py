"""The exchange gateway over signed JSON/HTTPS, for a real exchange (docs/gateway.md).

Standard library only (``http.client``). Every request is signed (kefu.gateway.signing).
``timeout`` bounds each socket operation *and* the whole call, retries included, so a
dead or stalled exchange costs the console at most that long before
:class:`GatewayUnavailable` ("context unavailable").

Retries, with a short exponential back-off, happen only where repeating is harmless:
reads (GET, and the find-customer POST which changes nothing) on network errors and
502/503/504; actions only when the request carries an ``Idempotency-Key`` — every action
does, one key per call, so the exchange applies a retried action once.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import uuid
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.utils import translation
from pydantic import TypeAdapter, ValidationError

from kefu.gateway import wire
from kefu.gateway.interface import (
    AccountSummary,
    ActionRefused,
    ActivityItem,
    GatewayError,
    GatewayUnavailable,
    UnknownCustomer,
    UnknownWithdrawal,
    WithdrawalSummary,
)
from kefu.gateway.signing import IDEMPOTENCY_HEADER, sign_headers

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
USER_AGENT = "Kefu-Gateway/1"
T = TypeVar("T")


class _Transient(Exception):
    """One attempt failed in a way another attempt may not."""


def _seg(value: str) -> str:
    return quote(value, safe="")


class RemoteGateway:
    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = 3.0,
        retries: int = 2,
        backoff: float = 0.1,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GatewayError(f"bad gateway URL {base_url!r}")
        if not secret:
            raise GatewayError("the gateway secret is empty")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._secret = secret.encode()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    @classmethod
    def from_settings(cls) -> RemoteGateway:
        return cls(
            settings.KEFU_GATEWAY_URL or "",
            settings.KEFU_GATEWAY_SECRET,
            timeout=float(settings.KEFU_GATEWAY_TIMEOUT),
            retries=settings.KEFU_GATEWAY_RETRIES,
        )

    # --- transport

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _attempt(
        self, method: str, path: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> tuple[int, bytes]:
        signed = {**headers, **sign_headers(self._secret, method=method, path=path, body=body)}
        connection = self._connection(timeout)
        try:
            connection.request(method, path, body=body or None, headers=signed)
            response = connection.getresponse()
            return response.status, response.read(2_000_000)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        retry_safe: bool,
        idempotency_key: str = "",
    ) -> Any:
        path = self._prefix + path
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT,
                   # Descriptions come back in the agent's language.
                   "Accept-Language": translation.get_language() or settings.LANGUAGE_CODE}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        may_retry = retry_safe or bool(idempotency_key)
        deadline = time.monotonic() + self.timeout
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise _Transient("timed out")
                status, content = self._attempt(method, path, body, headers, remaining)
                if status in RETRY_STATUSES:
                    raise _Transient(f"HTTP {status}")
                return self._decode(status, content)
            except _Transient as exc:
                pause = self.backoff * 2**attempt
                attempt += 1
                if (not may_retry or attempt > self.retries
                        or time.monotonic() + pause >= deadline):
                    logger.warning("exchange unavailable: %s %s: %s", method, path, exc)
                    raise GatewayUnavailable(str(exc)) from exc
                time.sleep(pause)

    def _decode(self, status: int, content: bytes) -> Any:
        try:
            data = json.loads(content) if content else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            if status >= 500:
                raise GatewayUnavailable(f"HTTP {status}") from None
            raise GatewayError(f"HTTP {status}: the answer is not JSON") from None
        if 200 <= status < 300:
            return data
        problem = data.get("error") if isinstance(data, dict) else None
        code = str(problem.get("code", "")) if isinstance(problem, dict) else ""
        message = str(problem.get("message", "")) if isinstance(problem, dict) else ""
        if status >= 500:
            raise GatewayUnavailable(f"HTTP {status} {code}".strip())
        if status == 404 and code == "unknown_customer":
            raise UnknownCustomer(message or code)
        if status == 404 and code == "unknown_withdrawal":
            raise UnknownWithdrawal(message or code)
        if status == 409:
            raise ActionRefused(code or "refused", message or code)
        raise GatewayError(f"HTTP {status} {code}: {message}".strip())

    @staticmethod
    def _read(adapter: TypeAdapter[T], data: Any) -> T:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise GatewayError(f"unexpected answer from the exchange: {exc}") from None

    def _items(self, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise GatewayError("unexpected answer from the exchange: no items")
        return data["items"]

    # --- reads

    def find_customer(self, *, email: str | None = None, phone: str | None = None) -> str | None:
        if not email and not phone:
            return None
        data = self._call("POST", "/v1/customers/find",
                          payload={"email": email or None, "phone": phone or None},
                          retry_safe=True)
        ref = data.get("customer_ref") if isinstance(data, dict) else None
        return ref if isinstance(ref, str) and ref else None

    def account_summary(self, customer_ref: str) -> AccountSummary:
        data = self._call("GET", f"/v1/customers/{_seg(customer_ref)}", retry_safe=True)
        return self._read(wire.SUMMARY, data)

    def recent_activity(self, customer_ref: str, *, limit: int = 20) -> list[ActivityItem]:
        query = urlencode({"limit": max(1, min(limit, 100))})
        data = self._call("GET", f"/v1/customers/{_seg(customer_ref)}/activity?{query}",
                          retry_safe=True)
        return self._read(wire.ACTIVITY, self._items(data))

    def withdrawals(self, customer_ref: str, *, limit: int = 20) -> list[WithdrawalSummary]:
        query = urlencode({"limit": max(1, min(limit, 100))})
        data = self._call("GET", f"/v1/customers/{_seg(customer_ref)}/withdrawals?{query}",
                          retry_safe=True)
        return self._read(wire.WITHDRAWALS, self._items(data))

    def withdrawal(self, withdrawal_ref: str) -> WithdrawalSummary:
        data = self._call("GET", f"/v1/withdrawals/{_seg(withdrawal_ref)}", retry_safe=True)
        return self._read(wire.WITHDRAWAL, data)

    # --- actions

    def _act(self, path: str, actor_label: str, reason: str, key: str | None) -> Any:
        return self._call("POST", path, payload={"actor_label": actor_label, "reason": reason},
                          retry_safe=False, idempotency_key=key or str(uuid.uuid4()))

    def unlock(self, customer_ref: str, *, actor_label: str, reason: str,
               idempotency_key: str | None = None) -> None:
        self._act(f"/v1/customers/{_seg(customer_ref)}/unlock", actor_label, reason,
                  idempotency_key)

    def freeze(self, customer_ref: str, *, actor_label: str, reason: str,
               idempotency_key: str | None = None) -> None:
        self._act(f"/v1/customers/{_seg(customer_ref)}/freeze", actor_label, reason,
                  idempotency_key)

    def unfreeze(self, customer_ref: str, *, actor_label: str, reason: str,
                 idempotency_key: str | None = None) -> None:
        self._act(f"/v1/customers/{_seg(customer_ref)}/unfreeze", actor_label, reason,
                  idempotency_key)

    def reset_2fa(self, customer_ref: str, *, actor_label: str, reason: str,
                  idempotency_key: str | None = None) -> None:
        self._act(f"/v1/customers/{_seg(customer_ref)}/reset-2fa", actor_label, reason,
                  idempotency_key)

    def retry_withdrawal(self, withdrawal_ref: str, *, actor_label: str, reason: str,
                         idempotency_key: str | None = None) -> WithdrawalSummary:
        data = self._act(f"/v1/withdrawals/{_seg(withdrawal_ref)}/retry", actor_label, reason,
                         idempotency_key)
        return self._read(wire.WITHDRAWAL, data)

    def cancel_withdrawal(self, withdrawal_ref: str, *, actor_label: str, reason: str,
                          idempotency_key: str | None = None) -> WithdrawalSummary:
        data = self._act(f"/v1/withdrawals/{_seg(withdrawal_ref)}/cancel", actor_label, reason,
                         idempotency_key)
        return self._read(wire.WITHDRAWAL, data)

