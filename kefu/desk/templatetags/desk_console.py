"""Console template helpers: header bits (one small query each) and history lines."""

from __future__ import annotations

from django import template

from kefu.desk import history, selectors
from kefu.desk.models import AgentProfile, ConversationEvent

register = template.Library()


@register.simple_tag
def unread_mentions(profile: AgentProfile) -> int:
    return selectors.unread_mentions(profile.user)


@register.simple_tag
def history_entry(event: ConversationEvent) -> dict[str, str]:
    """One history line in the reader's language (see kefu.desk.history)."""
    return history.describe(event)
