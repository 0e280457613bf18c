"""Keyed hashes of the short secrets we hand out, and constant-time checks.

Codes and device tokens are never stored in clear: a keyed HMAC (SECRET_KEY) is enough
because they are random and short-lived; passwords use the slow hasher instead.
"""

from __future__ import annotations

import hmac
import secrets

from django.utils.crypto import salted_hmac

BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def keyed_hash(purpose: str, value: str) -> str:
    return salted_hmac(f"kefu.accounts.{purpose}", value, algorithm="sha256").hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_backup_code() -> str:
    chars = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normalize_backup_code(value: str) -> str:
    return value.strip().lower().replace(" ", "").replace("-", "")


def new_device_token() -> str:
    return secrets.token_urlsafe(24)
