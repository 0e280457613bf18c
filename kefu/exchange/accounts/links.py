"""Signed links in security emails: "this wasn't me" freezes the account without a login."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

FREEZE_SALT = "kefu.accounts.freeze-link"
FREEZE_LINK_MAX_AGE = timedelta(days=30)


def freeze_token(customer_public_id: str) -> str:
    return signing.dumps({"c": customer_public_id}, salt=FREEZE_SALT, compress=True)


def read_freeze_token(token: str) -> str | None:
    """The customer's public id, or None when the link is forged, damaged or too old."""
    try:
        data = signing.loads(token, salt=FREEZE_SALT, max_age=FREEZE_LINK_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    value = data.get("c") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def freeze_url(customer_public_id: str, language: str) -> str:
    with translation.override(language):
        path = reverse("accounts:freeze_link", kwargs={"token": freeze_token(customer_public_id)})
    site: str = settings.KEFU_SITE_URL
    return f"{site}{path}"
