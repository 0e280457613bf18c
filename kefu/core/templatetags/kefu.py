from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from kefu.core.i18n import format_moment

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """``{{ article|tr:"title" }}``: the field in the active language (see core.i18n)."""
    result: str = obj.tr(field)
    return result


@register.filter
def datetime_tz(value: datetime | None) -> str:
    """``{{ when|datetime_tz }}``: see :func:`kefu.core.i18n.format_moment`."""
    return "" if value is None else format_moment(value)
