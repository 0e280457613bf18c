"""The demo outbox: every email and SMS the demo "sent", so a visitor can follow a reset."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.exchange.accounts.models import OutboxSms

MAX_ITEMS = 50
SEPARATOR = "-" * 79


@dataclass(frozen=True)
class OutboxEmail:
    to: str
    subject: str
    body: str
    sent: str


def _parse(raw: str) -> OutboxEmail | None:
    # As bytes: the file backend writes 8-bit UTF-8 bodies, which the str parser would
    # hand back as raw-unicode-escape sequences.
    message = email.message_from_bytes(raw.strip().encode("utf-8"), policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message["Subject"]:
        return None
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return OutboxEmail(str(message["To"] or ""), str(message["Subject"]), str(body),
                       str(message["Date"] or ""))


def recent_emails() -> list[OutboxEmail]:
    if settings.EMAIL_BACKEND.endswith("locmem.EmailBackend"):
        sent = getattr(mail, "outbox", [])
        return [OutboxEmail(", ".join(m.to), m.subject, str(m.body), "") for m in sent][::-1]
    folder = Path(getattr(settings, "EMAIL_FILE_PATH", ""))
    if not settings.EMAIL_BACKEND.endswith("filebased.EmailBackend") or not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    found: list[OutboxEmail] = []
    for path in files[:MAX_ITEMS]:
        chunks = path.read_text(encoding="utf-8", errors="replace").split(SEPARATOR)
        found.extend(m for m in (_parse(c) for c in reversed(chunks) if c.strip()) if m)
    return found[:MAX_ITEMS]


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if not getattr(settings, "KEFU_DEMO", False):
        raise Http404
    return render(request, "accounts/outbox.html", {
        "emails": recent_emails(),
        "sms": OutboxSms.objects.all()[:MAX_ITEMS],
    })
