"""Mailing a transcript to the customer who owns the conversation.

The address is the account's own (through ``KEFU_CUSTOMER_MAILBOX``, the accounts app's
adapter, which also gives the anti-phishing code the exchange puts at the top of every
email), or else a verified email identity the desk holds (no anti-phishing code is known
then). The exchange gateway itself exposes only masked addresses, so it cannot be used
for this; a remote exchange needs its own mailbox adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.core.i18n import normalize_language
from kefu.desk.models import Conversation, CustomerIdentity, DeskCustomer, IdentityKind
from kefu.desk.transcripts import transcript_pdf

logger = logging.getLogger(__name__)

Mailbox = tuple[str, str]  # (address, anti-phishing code or "")


def mailbox_for(customer: DeskCustomer) -> Mailbox | None:
    if customer.external_ref:
        path: str = getattr(settings, "KEFU_CUSTOMER_MAILBOX", "")
        if path:
            lookup: Callable[[str], Mailbox | None] = import_string(path)
            found = lookup(customer.external_ref)
            if found is not None:
                return found
    identity = (
        CustomerIdentity.objects.filter(
            customer=customer, kind=IdentityKind.EMAIL, verified_at__isnull=False
        ).order_by("-verified_at").first()
    )
    return (identity.address, "") if identity is not None else None


def transcript_email(*, conversation_id: int, customer_id: int) -> bool:
    """Send the PDF to the conversation's customer; False when there is nowhere to send it."""
    conversation = Conversation.objects.select_related("customer").filter(
        pk=conversation_id, customer_id=customer_id
    ).first()
    if conversation is None:
        return False
    mailbox = mailbox_for(conversation.customer)
    if mailbox is None:
        logger.info("no verified email for customer %s; transcript not sent", customer_id)
        return False
    address, anti_phishing = mailbox
    _transcript, data = transcript_pdf(conversation.pk)
    language = normalize_language(conversation.customer.language)
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    with override(language):
        lines = []
        if anti_phishing:
            lines.append(_("Anti-phishing code: %(code)s") % {"code": anti_phishing})
        lines += [
            _("Attached is the transcript of your support conversation #%(number)s, as you "
              "asked. The footer of every page carries a SHA-256 fingerprint of its content.")
            % {"number": conversation.pk},
            "",
            names.get(language, names["zh-hans"]),
        ]
        subject = _("Transcript of your support conversation #%(number)s") % {
            "number": conversation.pk
        }
    message = EmailMessage(subject=subject, body="\n".join(lines), to=[address])
    message.attach(f"transcript-{conversation.pk}.pdf", data, "application/pdf")
    message.send()
    return True
