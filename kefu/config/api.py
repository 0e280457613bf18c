"""The public JSON API (OpenAPI document at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from ninja import NinjaAPI

from kefu.helpcenter.api import router as helpcenter_router

api = NinjaAPI(
    title="Kefu API",
    version="1.0.0",
    description=(
        "Public API of the Kefu support desk: help-center content and search for mobile "
        "apps and the chat widget."
    ),
    urls_namespace="api",
)
api.add_router("/help/", helpcenter_router)
