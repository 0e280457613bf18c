"""Header bits every console page shows (one small query each)."""

from __future__ import annotations

from django import template

from kefu.desk import selectors
from kefu.desk.models import AgentProfile

register = template.Library()


@register.simple_tag
def unread_mentions(profile: AgentProfile) -> int:
    return selectors.unread_mentions(profile.user)
