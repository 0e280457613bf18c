"""A customer resolver for the widget tests: the platform says who is signed in.

Stands in for the platform's own session (``KEFU_CUSTOMER_RESOLVER`` is configuration);
the built-in exchange's resolver has its own tests.
"""

from __future__ import annotations

from django.http import HttpRequest


def from_header(request: HttpRequest) -> str | None:
    return request.headers.get("X-Test-Customer") or None
