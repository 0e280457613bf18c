"""Desk background work; thin wrappers around services."""

from __future__ import annotations

from typing import Any

from kefu.core.tasks import periodic, task
from kefu.desk.bridge import support_request_convert
from kefu.desk.services.assignment import return_to_queue
from kefu.desk.services.attachments import attachments_unsent_purge
from kefu.desk.services.conversations import conversations_wake_snoozed
from kefu.desk.services.sla import sla_mark_breaches
from kefu.desk.transcripts.mail import transcript_email


@periodic(every=60)
def desk_minutely() -> None:
    """Return offline agents' conversations, wake snoozed ones, record SLA breaches."""
    return_to_queue()
    conversations_wake_snoozed()
    sla_mark_breaches()


@periodic(every=3600)
def attachments_unsent_clean_up() -> None:
    """Remove files uploaded but never sent (KEFU_ATTACHMENT_UNSENT_MAX_AGE): a day late
    or an hour late makes no difference, so hourly is often enough."""
    attachments_unsent_purge()


@task
def support_request_to_conversation(*, payload: dict[str, Any]) -> None:
    """A support request from the exchange becomes a conversation (idempotent: keyed by id)."""
    support_request_convert(payload=payload)


@task
def transcript_email_send(*, conversation_id: int, customer_id: int) -> None:
    """Mail a conversation's transcript PDF to its customer."""
    transcript_email(conversation_id=conversation_id, customer_id=customer_id)
