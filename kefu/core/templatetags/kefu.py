from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def tr(obj: Any, field: str) -> str:
    """``{{ article|tr:"title" }}``: the field in the active language (see core.i18n)."""
    result: str = obj.tr(field)
    return result
