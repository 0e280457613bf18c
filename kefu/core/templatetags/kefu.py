from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from kefu.core.business_hours import utc_offset_label

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """``{{ article|tr:"title" }}``: the field in the active language (see core.i18n)."""
    result: str = obj.tr(field)
    return result


@register.filter
def datetime_tz(value: datetime | None) -> str:
    """``2026-11-26 00:14 (UTC+8)``: a moment in the current time zone, offset included.

    Customers read times from many zones; a bare clock time is ambiguous.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset_label(local)})"
