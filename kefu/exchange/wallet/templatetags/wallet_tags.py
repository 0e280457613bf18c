from __future__ import annotations

from decimal import Decimal

from django import template

from kefu.exchange.wallet.services.submit import format_amount

register = template.Library()


@register.filter
def amount(value: Decimal | None, precision: int = 8) -> str:
    """An amount with the asset's decimals, trailing zeros removed: 100, 0.0002."""
    if value is None:
        return ""
    return format_amount(value, int(precision))
