"""Errors the desk's services raise: a stable code plus a message for people, in both languages."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "not_found": _("This conversation does not exist or you have no access to it."),
    "invalid_transition": _("This change is not possible in the conversation's current status."),
    "already_assigned": _("Someone else took this conversation a moment ago."),
    "not_an_agent": _("Only agents can be assigned conversations."),
    "message_too_long": _("The message is too long."),
    "empty_message": _("The message is empty."),
    "unknown_category": _("Unknown category."),
    "unknown_field": _("Unknown field."),
    "reason_required": _("Please give a reason."),
    "not_editable": _("Only your own replies and notes can be edited."),
    "snooze_in_past": _("Choose a time in the future."),
    "csat_not_allowed": _("Ratings open once the conversation is resolved."),
    "csat_already": _("This conversation has already been rated."),
    "invalid_score": _("Choose a rating from 1 to 5."),
    "team_not_found": _("Unknown team."),
    "attachment_unknown": _("An attachment was not found or was already sent."),
}


class DeskError(Exception):
    """A refused action. ``code`` is stable for API clients; ``message`` is for people."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown desk error code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])
