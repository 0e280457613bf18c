"""Authenticated encryption of small secrets at rest (TOTP seeds, API tokens), with rotation.

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256, with a timestamp): a changed byte
is detected, never silently decrypted into garbage. Keys come from
``settings.KEFU_ENCRYPTION_KEYS``, newest first: the first key encrypts, every key
decrypts, so rotating is "prepend a new key, re-save the rows (``rotate_text``), drop the
old key". With no key configured one is derived from ``SECRET_KEY`` with HKDF — fine for
a demo, but then rotating ``SECRET_KEY`` loses the data: production sets explicit keys.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

# Changing this changes the derived key: data encrypted under the old one is lost.
DERIVATION_INFO = b"kefu.core.encryption.v1"
# Every Fernet token starts with the version byte 0x80, which base64 spells "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a secret


class DecryptionError(Exception):
    """The stored value was changed, or was encrypted under a key no longer configured."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key derived from ``SECRET_KEY`` when no explicit key is configured."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


def generate_key() -> str:
    """A fresh random key for ``KEFU_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode()


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        if not secret_key:
            raise ImproperlyConfigured("KEFU_ENCRYPTION_KEYS and SECRET_KEY are both empty")
        return MultiFernet([Fernet(derive_key(secret_key))])
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise ImproperlyConfigured(
                f"KEFU_ENCRYPTION_KEYS item {position} is not a Fernet key "
                "(32 bytes, URL-safe base64; see kefu.core.encryption.generate_key)"
            ) from None
    return MultiFernet(fernets)


def keyring() -> MultiFernet:
    """The configured keys (cached per configuration, so ``override_settings`` works)."""
    keys: list[str] = getattr(settings, "KEFU_ENCRYPTION_KEYS", [])
    return _multi_fernet(tuple(keys), settings.SECRET_KEY)


def encrypt_text(value: str) -> str:
    return keyring().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("value was tampered with or its key is not configured") from None


def rotate_text(token: str) -> str:
    """The same value encrypted under the current first key."""
    try:
        return keyring().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("value was tampered with or its key is not configured") from None


def looks_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding a Fernet token; Python code sees the clear text.

    Not searchable or orderable (every encryption of a value differs); keep lookups to
    ``isnull``. Reading a tampered value raises ``DecryptionError``.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_text(str(value))

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt_text(value)
