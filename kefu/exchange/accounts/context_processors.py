"""The signed-in customer (if any) for page headers, looked up only when a template asks."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kefu.exchange.accounts.session import current_customer


def customer(request: HttpRequest) -> dict[str, object]:
    return {"customer": SimpleLazyObject(lambda: current_customer(request))}
