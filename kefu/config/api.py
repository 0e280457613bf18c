"""The public JSON API (OpenAPI document at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from kefu.chat.api import ApiError, error_response
from kefu.chat.api import router as chat_router
from kefu.helpcenter.api import router as helpcenter_router

api = NinjaAPI(
    title="Kefu API",
    version="1.0.0",
    description=(
        "Public API of the Kefu support desk: help-center content and search, and the "
        "live chat (conversations, history, attachments, ratings, transcripts) for mobile "
        "apps and the chat widget."
    ),
    urls_namespace="api",
)
api.add_router("/help/", helpcenter_router)
api.add_router("/chat/", chat_router)

CHAT_PREFIX = "/api/v1/chat/"


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.path.startswith(CHAT_PREFIX):
        return error_response(request, ApiError("token_missing"))
    return api.create_response(request, {"detail": "Unauthorized"}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # The chat's errors are {code, message}; the help center keeps ninja's own format.
    if request.path.startswith(CHAT_PREFIX):
        detail = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors]
        return error_response(request, ApiError("bad_request", detail=detail))
    return api.create_response(request, {"detail": exc.errors}, status=422)
