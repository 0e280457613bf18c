"""Signed, short-lived URLs for customers' attachment downloads.

Browsers cannot send an ``Authorization`` header for ``<img src>``, so the API hands out
URLs that carry a ``TimestampSigner`` signature over (attachment id, variant, customer
id). A URL works for ``KEFU_ATTACHMENT_URL_MAX_AGE`` seconds; serving re-checks that the
attachment still belongs to that customer's conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core import signing
from django.urls import reverse

from kefu.desk.models import Attachment

SALT = "kefu.chat.file"
Variant = Literal["f", "t"]  # the file, or its thumbnail


@dataclass(frozen=True)
class FileGrant:
    attachment_id: int
    variant: Variant
    customer_id: int


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, algorithm="sha256")


def signed_url(attachment_id: int, variant: Variant, customer_id: int) -> str:
    token = _signer().sign(f"{attachment_id}.{variant}.{customer_id}")
    return reverse("api:chat_file", kwargs={"signed": token})


def read_grant(token: str) -> FileGrant | None:
    """The grant in a signed URL, or None when forged, malformed or expired."""
    try:
        value = _signer().unsign(token, max_age=int(settings.KEFU_ATTACHMENT_URL_MAX_AGE))
        att, variant, customer = value.split(".")
        if variant not in ("f", "t"):
            return None
        return FileGrant(int(att), "f" if variant == "f" else "t", int(customer))
    except (signing.BadSignature, ValueError):
        return None


def attachment_info(attachment: Attachment, *, customer_id: int | None) -> dict[str, Any]:
    """The ``attachments`` item of a message: signed URLs for a customer, console URLs
    (behind the agent login) for agents."""
    if customer_id is not None:
        url = signed_url(attachment.pk, "f", customer_id)
        thumb = signed_url(attachment.pk, "t", customer_id) if attachment.thumbnail_key else None
    else:
        args = [attachment.conversation_id, attachment.pk]
        url = reverse("desk:attachment", args=args)
        thumb = reverse("desk:attachment_thumb", args=args) if attachment.thumbnail_key else None
    return {"id": attachment.pk, "name": attachment.name, "size": attachment.size,
            "content_type": attachment.content_type, "sha256": attachment.sha256,
            "url": url, "thumbnail_url": thumb}
