"""The website chat widget: the chat page inside the iframe, and the demo website page.

A platform pastes one ``<script src=".../static/widget/embed.js">`` tag; that script draws
the launcher and opens :func:`chat_frame` in an iframe. The frame is Kefu's own origin, so
its WebSocket and REST calls need no CORS; which sites may frame it is the chat's origin
allow-list, sent as ``Content-Security-Policy: frame-ancestors``. The customer token
travels from the page to the frame by ``postMessage`` (never in a URL, so never in logs or
``Referer`` headers).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from kefu.chat.consumers.customer import allowed_origins
from kefu.chat.tokens import mint_account_token
from kefu.desk.customer_views import customer_ref
from kefu.helpcenter.contact import channel_statuses
from kefu.helpcenter.models import ChannelKind
from kefu.widget.strings import widget_strings


def frame_ancestors() -> list[str]:
    """Origins allowed to embed the chat: the same allow-list as ``/ws/chat/``."""
    return ["'self'", *sorted(allowed_origins())]


def _live_hours() -> dict[str, Any] | None:
    """The website chat channel's hours now, as the contact page shows them."""
    for view in channel_statuses():
        if view.kind == ChannelKind.WEB_CHAT and view.is_live:
            return {
                "open_now": bool(view.is_open),
                "label": view.status_label,
                "detail": view.status_detail,
                "opens_at": view.opens_at.isoformat() if view.opens_at else None,
                "closes_at": view.closes_at.isoformat() if view.closes_at else None,
                "utc_offset": view.utc_offset,
            }
    return None


@require_GET
@xframe_options_exempt  # frame-ancestors below says who may frame it
def chat_frame(request: HttpRequest) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    config = {
        "lang": language,
        "ws_path": "/ws/chat/",
        "api": "/api/v1/",
        "allowed_origins": sorted(allowed_origins()),
        "hours": _live_hours(),
        "help_url": reverse("helpcenter:home"),
        "max_bytes": settings.KEFU_ATTACHMENT_MAX_BYTES,
        "strings": widget_strings(),
    }
    response = render(request, "widget/frame.html", {"config": config})
    # Replaces the site-wide 'none' for this page only; django-csp reads this attribute.
    response._csp_replace = {"frame-ancestors": frame_ancestors()}  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def demo_site(request: HttpRequest) -> HttpResponse:
    """A stand-in for the platform's own homepage, with the one script tag on it.

    What a platform's backend does on every page load: mint a short-lived token for the
    signed-in customer (none for anonymous visitors) and put it on the tag.
    """
    ref = customer_ref(request)  # KEFU_CUSTOMER_RESOLVER: the platform says who it is
    token = mint_account_token(ref) if ref else ""
    response = render(request, "widget/demo_site.html", {
        "chat_token": token,
        "signed_in": bool(ref),
        "embed_src": static("widget/embed.js"),
    })
    response["Cache-Control"] = "private, no-store"  # the token is this customer's
    return response


@require_GET
def demo_site_token(request: HttpRequest) -> JsonResponse:
    """The demo platform's token endpoint (``data-kefu-token-url``).

    Account tokens live ``KEFU_CHAT_TOKEN_MAX_AGE`` seconds; a tab left open longer asks
    the page's own backend for a fresh one, with the page's cookies. A platform serves the
    same thing from its own origin: ``{"token": <fresh token or null>}``.
    """
    ref = customer_ref(request)
    response = JsonResponse({"token": mint_account_token(ref) if ref else None})
    response["Cache-Control"] = "private, no-store"
    return response
