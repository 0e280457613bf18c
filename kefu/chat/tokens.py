"""Who is chatting: signed customer tokens (platform accounts) and visitor tokens.

A token is Django's ``TimestampSigner`` output over ``"<kind>:<id>"`` with the salt
``kefu.chat.token`` and the shared secret ``KEFU_CHAT_TOKEN_SECRET`` — so a platform's
backend in any language can mint one (the recipe is in docs/chat-protocol.md):

* ``a:<external_ref>`` — a platform account, valid ``KEFU_CHAT_TOKEN_MAX_AGE`` seconds;
* ``v:<random id>`` — an anonymous visitor, minted only by Kefu, valid
  ``KEFU_CHAT_VISITOR_TOKEN_MAX_AGE``. The id becomes a *verified* ``visitor`` identity
  the first time the visitor writes, so the token is the visitor's proof of identity.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

SALT = "kefu.chat.token"
MAX_TOKEN_CHARS = 400

PrincipalKind = Literal["account", "visitor"]


class TokenError(Exception):
    """A token that does not identify anybody; ``code`` is ``token_invalid``/``token_expired``."""

    def __init__(self, code: Literal["token_invalid", "token_expired"]) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Principal:
    """The customer a token speaks for: an account reference or a visitor id."""

    kind: PrincipalKind
    ref: str


def token_secret() -> str:
    configured: str = settings.KEFU_CHAT_TOKEN_SECRET
    if configured:
        return configured
    # Derived, not SECRET_KEY itself: a leaked chat secret must not sign sessions.
    return salted_hmac("kefu.chat.token-secret", "chat", algorithm="sha256").hexdigest()


def _signer(secret: str | None) -> signing.TimestampSigner:
    return signing.TimestampSigner(key=secret or token_secret(), salt=SALT, algorithm="sha256")


def mint_account_token(external_ref: str, *, secret: str | None = None) -> str:
    """What a platform backend does (see the docs for other languages)."""
    if not external_ref or len(external_ref) > 100:
        raise ValueError("external_ref must be 1 to 100 characters")
    return _signer(secret).sign(f"a:{external_ref}")


def mint_visitor_token(*, secret: str | None = None) -> str:
    return _signer(secret).sign(f"v:{secrets.token_urlsafe(18)}")


def read_token(token: str) -> Principal:
    """The principal of a valid token; raises :class:`TokenError` otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("token_invalid")
    signer = _signer(None)
    try:
        value = signer.unsign(token)  # signature first: an expiry says nothing to forgers
        kind, _, ref = value.partition(":")
        if kind not in ("a", "v") or not ref or len(ref) > 100:
            raise TokenError("token_invalid")
        max_age = (
            settings.KEFU_CHAT_TOKEN_MAX_AGE
            if kind == "a"
            else settings.KEFU_CHAT_VISITOR_TOKEN_MAX_AGE
        )
        signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenError("token_expired") from None
    except signing.BadSignature:
        raise TokenError("token_invalid") from None
    return Principal("account" if kind == "a" else "visitor", ref)
