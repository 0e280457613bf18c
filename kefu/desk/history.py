"""How a conversation's history reads in the console.

Events store machine values (field names, choice values) so they stay stable for exports
and audits; this turns them into words in the reader's language at display time.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.desk.models import Category, ConversationEvent, IdentityKind, Priority, Status

FIELDS: dict[str, Promise] = {
    "created": _("Opened"),
    "status": _("Status"),
    "snoozed_until": _("Snoozed until"),
    "assignee": _("Assignee"),
    "assignee_refused": _("Assignment refused"),
    "team": _("Team"),
    "category": _("Category"),
    "priority": _("Priority"),
    "label": _("Label"),
    "pii_revealed": _("Personal data revealed"),
    "auto_reply": _("Automatic reply"),
    "csat": _("Customer rating"),
    "message_edited": _("Message edited"),
    "withdrawal_attached": _("Withdrawal attached"),
    "withdrawal_retry": _("Withdrawal retried"),
    "withdrawal_cancel": _("Withdrawal cancelled"),
    "support_request": _("Request from the platform"),
}

SPECIAL_VALUES: dict[str, Promise] = {
    "out_of_hours": _("outside business hours"),
}

# Notes the desk writes itself; anything else in a note is a person's reason, shown as is.
SYSTEM_NOTES: dict[str, Promise] = {
    "customer wrote": _("the customer wrote"),
    "took by replying": _("took it by replying"),
    "replied": _("an agent replied"),
    "already assigned": _("somebody else was faster"),
    "round-robin": _("round-robin"),
    "agent offline: back to the queue": _("agent offline: back to the queue"),
    "snooze ended": _("snooze ended"),
}

# Fields whose values are choice values, shown by their label.
CHOICE_FIELDS: dict[str, type[TextChoices]] = {
    "status": Status,
    "category": Category,
    "created": Category,
    "pii_revealed": IdentityKind,
}


def _value(field: str, raw: str) -> str:
    if not raw:
        return ""
    if raw in SPECIAL_VALUES:
        return str(SPECIAL_VALUES[raw])
    choices = CHOICE_FIELDS.get(field)
    if choices is not None and raw in choices.values:
        return str(choices(raw).label)
    if field == "priority" and raw.isdigit() and int(raw) in Priority.values:
        return str(Priority(int(raw)).label)
    return raw


def describe(event: ConversationEvent) -> dict[str, str]:
    """Actor, field label, old/new values and note of one event, ready for a template."""
    return {
        "actor": str(_("System")) if event.actor_label == "system" else event.actor_label,
        "field": str(FIELDS.get(event.field, event.field)),
        "old": _value(event.field, event.old_value),
        "new": _value(event.field, event.new_value),
        "note": str(SYSTEM_NOTES[event.note]) if event.note in SYSTEM_NOTES else event.note,
    }
