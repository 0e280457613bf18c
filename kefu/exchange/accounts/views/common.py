from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from kefu.exchange.accounts.clientinfo import DEVICE_COOKIE
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.session import current_customer

View = TypeVar("View", bound=Callable[..., HttpResponse])
DEVICE_COOKIE_AGE = timedelta(days=730)


class CustomerRequest(HttpRequest):
    customer: Customer


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; the view gets ``request.customer``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = current_customer(request)
        if customer is None:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        request.customer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def set_device_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=int(DEVICE_COOKIE_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
