"""The automatic reply when a customer writes while the team is closed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.core.business_hours import status_at, utc_offset_label
from kefu.desk.models import Conversation, ConversationEvent, Message, MessageKind
from kefu.desk.services import sla


def closed_notice(conversation: Conversation, *, now: datetime) -> str | None:
    """The text for a closed team, in the customer's language and time zone; None when open."""
    schedule = sla.team_schedule(conversation.team)
    if schedule is None or schedule.is_open(now):
        return None
    status = status_at(schedule, now, conversation.language)
    with override(conversation.language):
        if status.opens_at is None:
            when = status.detail
        else:
            local = status.opens_at.astimezone(ZoneInfo(conversation.customer.time_zone))
            if local.utcoffset() == status.opens_at.utcoffset():
                when = status.detail  # same zone: the calendar's own wording reads best
            else:
                when = _("Opens at %(time)s (%(offset)s)") % {
                    "time": f"{local:%Y-%m-%d %H:%M}", "offset": utc_offset_label(local),
                }
        return _(
            "Our support team is offline right now. %(when)s. Please leave the details "
            "of your request here; we will answer as soon as we are back. Never share "
            "your password, 2FA codes or seed phrase."
        ) % {"when": when}


def out_of_hours_reply(*, conversation_id: int, now: datetime | None = None) -> Message | None:
    """Post the closed-team notice once per closed period (not for every message)."""
    from kefu.desk.services.messages import message_post

    now = now or timezone.now()
    conversation = Conversation.objects.select_related("team__calendar", "customer").get(
        pk=conversation_id
    )
    text = closed_notice(conversation, now=now)
    if text is None:
        return None
    with transaction.atomic():
        recent = ConversationEvent.objects.filter(
            conversation_id=conversation_id, field="auto_reply"
        ).order_by("-id").first()
        schedule = sla.team_schedule(conversation.team)
        if recent is not None and schedule is not None and (
            schedule.business_seconds_between(recent.created_at, now) == 0
        ):
            return None  # already told during this closed period
        message = message_post(
            conversation_id=conversation_id, kind=MessageKind.SYSTEM, body=text
        ).message
        ConversationEvent.objects.create(
            conversation_id=conversation_id, actor_label="system", field="auto_reply",
            new_value="out_of_hours",
        )
        return message
