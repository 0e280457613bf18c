"""Desk settings, with defaults; set them in kefu.config.settings to change them."""

from __future__ import annotations

from django.conf import settings


def offline_return_minutes() -> int:
    """Minutes an agent may be offline before their open conversations return to the queue."""
    return int(getattr(settings, "KEFU_DESK_OFFLINE_RETURN_MINUTES", 15))


def sla_warning_minutes() -> int:
    """How long before a deadline a conversation shows as "due soon"."""
    return int(getattr(settings, "KEFU_DESK_SLA_WARNING_MINUTES", 30))


def default_handling_seconds() -> int:
    """Assumed handling time per conversation when there is no recent history."""
    return int(getattr(settings, "KEFU_DESK_DEFAULT_HANDLING_SECONDS", 300))


def inbox_page_size() -> int:
    return int(getattr(settings, "KEFU_DESK_INBOX_PAGE_SIZE", 50))
