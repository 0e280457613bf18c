"""HMAC signatures for requests between Kefu and an exchange, both ways.

The scheme (docs/gateway.md has it for implementers)::

    string_to_sign = timestamp + "." + METHOD + "." + path_and_query + "." + hex(sha256(body))
    X-Kefu-Timestamp: <unix seconds>
    X-Kefu-Signature: v1=<hex(hmac_sha256(secret, string_to_sign))>

The method is upper case; the path is the request target as sent (percent-encoded, with
``?query`` when there is one); an empty body hashes as the SHA-256 of no bytes. Several
``v1=`` values separated by commas are accepted, so a secret can be rotated without
downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Kefu-Timestamp"
SIGNATURE_HEADER = "X-Kefu-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_SKEW_SECONDS = 300
VERSION = "v1"


class SignatureError(Exception):
    """The request is not signed by someone holding the secret (``reason`` says how)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def string_to_sign(*, timestamp: str, method: str, path: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{timestamp}.{method.upper()}.{path}.{digest}".encode()


def signature(secret: bytes, *, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of the request (without the ``v1=`` prefix)."""
    message = string_to_sign(timestamp=timestamp, method=method, path=path, body=body)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_headers(
    secret: bytes, *, method: str, path: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The two headers to add to a request."""
    timestamp = str(int(time.time() if now is None else now))
    value = signature(secret, timestamp=timestamp, method=method, path=path, body=body)
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: f"{VERSION}={value}"}


def verify(
    secrets: list[bytes],
    *,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> None:
    """Raise :class:`SignatureError` unless one of ``secrets`` signed this request recently.

    ``headers`` is looked up case-sensitively by the canonical names above; pass
    ``request.headers`` (case-insensitive) from Django.
    """
    secrets = [s for s in secrets if s]
    if not secrets:
        raise SignatureError("not_configured")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    provided = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not provided:
        raise SignatureError("missing")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("bad_timestamp")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_skew:
        raise SignatureError("stale")
    candidates = [
        part.strip()[len(VERSION) + 1 :]
        for part in provided.split(",")
        if part.strip().startswith(f"{VERSION}=")
    ]
    if not candidates:
        raise SignatureError("bad_signature")
    for secret in secrets:
        expected = signature(secret, timestamp=timestamp, method=method, path=path, body=body)
        # Compare every candidate, always: the time taken says nothing about which matched.
        matched = False
        for candidate in candidates:
            matched |= hmac.compare_digest(expected.encode(), candidate.encode())
        if matched:
            return
    raise SignatureError("bad_signature")
