"""The chat's REST API for mobile apps and the website widget (/api/v1/chat/, docs/api.md).

The same principals as the WebSocket (``Authorization: Bearer <chat token>``), the same
write paths (the desk pipeline for customer messages, ``csat_submit``, the transcript
task) and the same message shape as the ``message`` frame. Somebody else's conversation
answers exactly like one that does not exist (404). Errors are ``{code, message}`` with
the message in the request's language.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja import Status as Answer
from ninja.security import HttpBearer

from kefu.chat import files, selectors, services
from kefu.chat.frames import ERRORS as FRAME_ERRORS
from kefu.chat.frames import Body, ClientMsgId, FrameError
from kefu.chat.tokens import Principal, TokenError, mint_visitor_token, read_token
from kefu.core.business_hours import status_at
from kefu.core.i18n import normalize_language
from kefu.core.ratelimit import window_hits
from kefu.desk.errors import MESSAGES as DESK_ERRORS
from kefu.desk.errors import DeskError
from kefu.desk.models import (
    AgentProfile,
    Attachment,
    Conversation,
    DeskCustomer,
    Message,
    MessageKind,
    Presence,
    Status,
)
from kefu.desk.services import sla
from kefu.desk.services.attachments import AttachmentError, max_bytes
from kefu.desk.services.conversations import default_team
from kefu.desk.services.csat import csat_submit
from kefu.desk.services.messages import customer_sender_key
from kefu.desk.services.queue import average_handling_seconds
from kefu.desk.tasks import transcript_email_send
from kefu.desk.transcripts import transcript_pdf
from kefu.desk.transcripts.mail import mailbox_for
from kefu.desk.transcripts.views import pdf_response
from kefu.desk.views.attachments import file_response

MESSAGES: dict[str, Promise] = {
    "token_missing": _("Send the chat token in the Authorization header (Bearer)."),
    "bad_request": _("The request is missing a field or has a field of the wrong type."),
    "no_email": _("We have no verified email address for you; download the PDF instead."),
    "rate_limited": _("Too many requests; please wait a moment."),
}
STATUS = {
    "token_missing": 401, "token_invalid": 401, "token_expired": 401, "not_found": 404,
    "conversation_closed": 409, "csat_not_allowed": 409, "csat_already": 409,
    "no_email": 409, "too_many_unsent": 409, "file_too_large": 413, "image_too_large": 413,
    "rate_limited": 429,
}
UPLOAD_COST = 5


class ApiError(Exception):
    """An answer ``{code, message}``; the status comes from :data:`STATUS` (else 422)."""

    def __init__(self, code: str, message: str = "", detail: Any = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = STATUS.get(code, 422)
        self.text = message
        self.detail = detail

    def body(self) -> dict[str, Any]:
        text = self.text
        if not text:
            known = MESSAGES.get(self.code) or FRAME_ERRORS.get(self.code) or DESK_ERRORS.get(
                self.code)
            text = str(known) if known is not None else self.code
        out: dict[str, Any] = {"code": self.code, "message": text}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


def request_language(request: HttpRequest) -> str:
    return normalize_language(request.GET.get("lang") or translation.get_language())


def error_response(request: HttpRequest, exc: ApiError) -> HttpResponse:
    from kefu.config.api import api

    with translation.override(request_language(request)):
        body = exc.body()
    response = api.create_response(request, body, status=exc.status)
    if exc.code == "rate_limited":
        response["Retry-After"] = "60"
    return response


def _limit(key: str, per_window: int, window: int, cost: int = 1) -> None:
    """Refuse once ``per_window`` is used up in the current fixed window."""
    if window_hits(f"chat.api:{key}", window=window, cost=cost) > per_window:
        raise ApiError("rate_limited")


class ChatToken(HttpBearer):
    """The chat token of an account (minted by the platform) or a visitor (minted by Kefu)."""

    openapi_description = "Chat token: the platform's account token, or POST /chat/visitor"

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        try:
            principal = read_token(token)
        except TokenError as exc:
            raise ApiError(exc.code) from None
        _limit(f"p:{principal.kind}:{principal.ref}", int(settings.KEFU_CHAT_API_RATE), 60)
        return principal


router = Router(tags=["chat"], auth=ChatToken())


# --- schemas ----------------------------------------------------------------------------
Language = Literal["zh-hans", "en"]
CategoryName = Literal[
    "account_access", "withdrawal", "deposit", "security", "identity_verification", "other"
]


class ErrorOut(Schema):
    code: str
    message: str
    detail: Any = None


ERR: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class LanguageQuery(Schema):
    lang: Language | None = Field(None, description="zh-hans or en; default from Accept-Language")


class VisitorOut(Schema):
    token: str
    expires_in: int = Field(description="Seconds the token is accepted")


class StatusOut(Schema):
    open_now: bool
    label: str
    detail: str
    opens_at: datetime | None
    closes_at: datetime | None
    utc_offset: str
    queue_length: int
    typical_wait_minutes: int
    agents_online: int


class QueueOut(Schema):
    position: int
    wait_minutes: int


class RatingOut(Schema):
    score: int
    comment: str


class ConversationOut(Schema):
    id: UUID
    status: str
    category: str
    subject: str
    created_at: datetime
    last_seq: int
    read_seq: int
    unread: int
    queue: QueueOut | None
    rating: RatingOut | None


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class ListQuery(Schema):
    cursor: str | None = Field(None, max_length=20, pattern=r"^\d+$")
    limit: int = Field(20, ge=1, le=100)


class AuthorOut(Schema):
    role: str
    name: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    url: str
    thumbnail_url: str | None


class MessageOut(Schema):
    conversation: UUID
    seq: int
    kind: str
    author: AuthorOut
    body: str
    created_at: datetime
    revision: int
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: int | None


class MessagesQuery(Schema):
    after: int | None = Field(None, ge=0, le=2**31)
    before: int | None = Field(None, ge=1, le=2**31)
    limit: int = Field(50, ge=1, le=100)


class CreateIn(Schema):
    body: Body
    client_msg_id: ClientMsgId
    category: CategoryName | None = None
    channel: Literal["web", "app"] = "app"
    attachment_ids: list[int] = Field(
        default_factory=list, max_length=10,
        description="Files from POST /chat/attachments, sent with this first message")


class CreateOut(Schema):
    conversation: ConversationOut
    seq: int


class SendIn(Schema):
    body: Body
    client_msg_id: ClientMsgId
    attachment_ids: list[int] = Field(default_factory=list, max_length=10)


class SendOut(Schema):
    conversation: UUID
    client_msg_id: str
    seq: int


class ReadIn(Schema):
    seq: int = Field(ge=0, le=2**31)


class ReadOut(Schema):
    read_seq: int


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class QueuedOut(Schema):
    queued: bool


# --- helpers ------------------------------------------------------------------------------
def _principal(request: HttpRequest) -> Principal:
    principal = request.auth  # type: ignore[attr-defined]
    assert isinstance(principal, Principal)
    return principal


def _customer(request: HttpRequest) -> DeskCustomer | None:
    return selectors.customer_for_principal(_principal(request))


def _own(request: HttpRequest, public_id: UUID) -> Conversation:
    """The principal's conversation, or 404 — also for somebody else's."""
    customer = _customer(request)
    conversation = (
        Conversation.objects.filter(customer=customer, public_id=public_id).first()
        if customer is not None else None
    )
    if conversation is None:
        raise ApiError("not_found")
    return conversation


def _conversations(**filters: Any) -> QuerySet[Conversation]:
    customer_visible = Q(messages__kind__in=[MessageKind.AGENT, MessageKind.SYSTEM],
                        messages__seq__gt=F("customer_read_seq"))
    return (
        Conversation.objects.filter(**filters)
        .select_related("csat")
        .annotate(unread_count=Count("messages", filter=customer_visible))
    )


def _conversation_out(conversation: Conversation) -> dict[str, Any]:
    queue = None
    if conversation.status == Status.OPEN and conversation.assignee_id is None:
        info = selectors.queue_info(conversation.pk)
        if info is not None:
            queue = {"position": info.position, "wait_minutes": info.wait_minutes}
    rating = getattr(conversation, "csat", None)
    return {
        "id": conversation.public_id, "status": conversation.status,
        "category": conversation.category, "subject": conversation.subject,
        "created_at": conversation.created_at, "last_seq": conversation.last_seq,
        "read_seq": conversation.customer_read_seq,
        "unread": getattr(conversation, "unread_count", 0), "queue": queue,
        "rating": {"score": rating.score, "comment": rating.comment} if rating else None,
    }


def _fresh(conversation_id: int) -> Conversation:
    return _conversations(pk=conversation_id).get()


def _upload_limit(request: HttpRequest) -> None:
    principal = _principal(request)
    _limit(f"p:{principal.kind}:{principal.ref}", int(settings.KEFU_CHAT_API_RATE), 60,
           cost=UPLOAD_COST - 1)


def _upload(
    request: HttpRequest, conversation: Conversation | None, file: UploadedFile
) -> dict[str, Any]:
    """Store one uploaded file; errors in the request's language, nothing kept on error."""
    language = request_language(request)
    with translation.override(language):
        if (file.size or 0) > max_bytes():
            raise ApiError("file_too_large", AttachmentError("file_too_large").message)
        try:
            attachment, customer_id = services.customer_upload(
                principal=_principal(request), conversation=conversation,
                name=file.name or "", data=file.read(max_bytes() + 1), language=language)
        except AttachmentError as exc:
            raise ApiError(exc.code, exc.message) from None
    return files.attachment_info(attachment, customer_id=customer_id)


def _send(request: HttpRequest, **kwargs: Any) -> services.Posted:
    try:
        return services.customer_send(
            principal=_principal(request), language=request_language(request), **kwargs)
    except AttachmentError as exc:
        with translation.override(request_language(request)):  # the text is made here
            raise ApiError(exc.code, exc.message) from None
    except FrameError as exc:
        raise ApiError(exc.code) from None


# --- endpoints ----------------------------------------------------------------------------
@router.post("/visitor", auth=None, response={200: VisitorOut, 429: ErrorOut},
             summary="A new visitor token")
def visitor(request: HttpRequest) -> dict[str, Any]:
    """For customers who are not signed in (e.g. locked out). Keep the token: it is the
    visitor's identity for ``KEFU_CHAT_VISITOR_TOKEN_MAX_AGE`` seconds."""
    ip = request.META.get("REMOTE_ADDR", "")
    _limit(f"ip:{ip}", int(settings.KEFU_CHAT_API_VISITOR_RATE), 3600)
    return {"token": mint_visitor_token(),
            "expires_in": int(settings.KEFU_CHAT_VISITOR_TOKEN_MAX_AGE)}


@router.get("/status", auth=None, response=StatusOut, summary="Live hours and queue")
def chat_status(request: HttpRequest, q: Query[LanguageQuery]) -> dict[str, Any]:
    """The chat team's hours (open now, next opening) in the asked language, and how many
    customers wait and for how long, typically — shown before the first message."""
    language = normalize_language(q.lang or translation.get_language())
    now = timezone.now()
    team = default_team()
    schedule = sla.team_schedule(team)
    online = queued = 0
    handling = 0.0
    if team is not None:
        online = AgentProfile.objects.filter(teams=team, presence=Presence.ONLINE).count()
        queued = Conversation.objects.filter(
            team=team, assignee__isnull=True, status=Status.OPEN, waiting_since__isnull=False
        ).count()
        handling = average_handling_seconds(team_id=team.pk, now=now)
    with translation.override(language):
        if schedule is None:
            out: dict[str, Any] = {
                "open_now": True, "label": str(_("Open now")),
                "detail": str(_("Around the clock")), "opens_at": None, "closes_at": None,
                "utc_offset": "",
            }
        else:
            status = status_at(schedule, now, language)
            out = {"open_now": status.is_open, "label": status.label, "detail": status.detail,
                   "opens_at": status.opens_at, "closes_at": status.closes_at,
                   "utc_offset": status.utc_offset}
    wait = (queued + 1) * handling / max(online, 1) if team is not None else 0
    return {**out, "queue_length": queued, "typical_wait_minutes": math.ceil(wait / 60),
            "agents_online": online}


@router.get("/conversations", response={200: ConversationPage, **ERR},
            summary="My conversations, newest first")
def conversation_list(request: HttpRequest, q: Query[ListQuery]) -> dict[str, Any]:
    customer = _customer(request)
    if customer is None:
        return {"items": [], "next_cursor": None}
    qs = _conversations(customer=customer).order_by("-pk")
    if q.cursor:
        qs = qs.filter(pk__lt=int(q.cursor))
    rows = list(qs[: q.limit + 1])
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return {"items": [_conversation_out(c) for c in rows],
            "next_cursor": str(rows[-1].pk) if more else None}


@router.post("/conversations", response={200: CreateOut, **ERR},
             summary="Open a conversation with a first message")
def conversation_create(request: HttpRequest, payload: CreateIn) -> dict[str, Any]:
    """Through the desk's inbound pipeline, like a WebSocket ``send``; the same
    ``client_msg_id`` again returns the same answer and stores nothing.
    ``attachment_ids``: files uploaded with ``POST /attachments`` before this message;
    if any is not your own unsent file, nothing is stored (422 ``attachment_unknown``)."""
    posted = _send(request, conversation_id=None, client_msg_id=payload.client_msg_id,
                   body=payload.body, channel=payload.channel, category=payload.category,
                   new_conversation=True, attachment_ids=payload.attachment_ids)
    return {"conversation": _conversation_out(_fresh(posted.conversation.pk)),
            "seq": posted.seq}


@router.get("/conversations/{conversation_id}", response={200: ConversationOut, **ERR},
            summary="One conversation")
def conversation_detail(request: HttpRequest, conversation_id: UUID) -> dict[str, Any]:
    return _conversation_out(_fresh(_own(request, conversation_id).pk))


@router.get("/conversations/{conversation_id}/messages", response={200: MessagePage, **ERR},
            summary="History, paginated by sequence number")
def message_list(
    request: HttpRequest, conversation_id: UUID, q: Query[MessagesQuery]
) -> dict[str, Any]:
    """``after``: oldest first from there; ``before`` (or neither): the newest page before
    it. Private notes never appear."""
    conversation = _own(request, conversation_id)
    public_id = str(conversation.public_id)
    if q.after is not None:
        items = selectors.messages_after(
            conversation_id=conversation.pk, public_id=public_id, after_seq=q.after,
            include_notes=False, limit=q.limit + 1, customer_id=conversation.customer_id)
        more = len(items) > q.limit
        items = items[: q.limit]
        cursor = items[-1]["seq"] if more else None
    else:
        items = selectors.messages_before(
            conversation_id=conversation.pk, public_id=public_id, before_seq=q.before,
            limit=q.limit + 1, customer_id=conversation.customer_id)
        more = len(items) > q.limit
        items = items[-q.limit:] if items else []
        cursor = items[0]["seq"] if more else None
    for item in items:
        item.pop("type", None)
    return {"items": items, "next_cursor": cursor}


@router.post("/conversations/{conversation_id}/messages",
             response={200: SendOut, 409: ErrorOut, **ERR}, summary="Send a message")
def message_send(request: HttpRequest, conversation_id: UUID, payload: SendIn) -> dict[str, Any]:
    """Idempotent on ``client_msg_id``: a retry gets the same ``seq``."""
    conversation = _own(request, conversation_id)
    key = services.idempotency_key(_principal(request), payload.client_msg_id)[:64]
    retry = Message.objects.filter(conversation=conversation, client_msg_id=key).exists()
    if conversation.status == Status.CLOSED and not retry:
        raise ApiError("conversation_closed")
    posted = _send(request, conversation_id=conversation.pk,
                   client_msg_id=payload.client_msg_id, body=payload.body,
                   channel=conversation.channel if conversation.channel in ("web", "app")
                   else "app", attachment_ids=payload.attachment_ids)
    return {"conversation": posted.conversation.public_id,
            "client_msg_id": payload.client_msg_id, "seq": posted.seq}


@router.post("/conversations/{conversation_id}/attachments",
             response={200: AttachmentOut, 409: ErrorOut, 413: ErrorOut, **ERR},
             summary="Upload a picture or PDF")
def attachment_create(
    request: HttpRequest, conversation_id: UUID, file: File[UploadedFile]
) -> dict[str, Any]:
    """Multipart field ``file``. The type is read from the content; send the returned
    ``id`` in ``attachment_ids`` of your next message."""
    _upload_limit(request)
    conversation = _own(request, conversation_id)
    if conversation.status == Status.CLOSED:
        raise ApiError("conversation_closed")
    return _upload(request, conversation, file)


@router.post("/attachments",
             response={200: AttachmentOut, 409: ErrorOut, 413: ErrorOut, **ERR},
             summary="Upload a picture or PDF before the first message")
def attachment_create_first(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Multipart field ``file``, checked and stored like any upload, for a customer with no
    conversation yet: send the returned ``id`` in ``attachment_ids`` of the message that
    opens one (``POST /conversations`` or the WebSocket ``send``). A file not sent within
    ``KEFU_ATTACHMENT_UNSENT_MAX_AGE`` seconds is removed; at most
    ``KEFU_ATTACHMENT_MAX_UNSENT`` unsent files at a time (409 ``too_many_unsent``)."""
    _upload_limit(request)
    return _upload(request, None, file)


@router.get("/files/{signed}", auth=None, url_name="chat_file",
            response={200: None, 404: ErrorOut}, summary="An attachment (signed URL)")
def file_download(request: HttpRequest, signed: str) -> HttpResponse:
    """The URLs in ``url``/``thumbnail_url``: valid for ``KEFU_ATTACHMENT_URL_MAX_AGE``
    seconds, only for the customer they were made for."""
    grant = files.read_grant(signed)
    # The customer's conversation's file, or their own upload not yet in any.
    attachment = (
        Attachment.objects.filter(
            Q(conversation__customer_id=grant.customer_id)
            | Q(conversation__isnull=True,
                uploader_key=customer_sender_key(grant.customer_id)),
            pk=grant.attachment_id,
        ).first()
        if grant is not None else None
    )
    if attachment is None or grant is None or (grant.variant == "t" and
                                               not attachment.thumbnail_key):
        raise ApiError("not_found")
    return file_response(attachment, thumbnail=grant.variant == "t")


@router.post("/conversations/{conversation_id}/read", response={200: ReadOut, **ERR},
             summary="Mark messages as read")
def mark_read(request: HttpRequest, conversation_id: UUID, payload: ReadIn) -> dict[str, int]:
    conversation = _own(request, conversation_id)
    return {"read_seq": services.customer_read(conversation_id=conversation.pk,
                                               seq=payload.seq)}


@router.post("/conversations/{conversation_id}/rating",
             response={200: RatingOut, 409: ErrorOut, **ERR}, summary="Rate the help (1-5)")
def rate(request: HttpRequest, conversation_id: UUID, payload: RatingIn) -> dict[str, Any]:
    """Once, after the conversation was resolved (409 ``csat_not_allowed`` before)."""
    conversation = _own(request, conversation_id)
    try:
        rating = csat_submit(conversation_id=conversation.pk, customer=conversation.customer,
                             score=payload.score, comment=payload.comment)
    except DeskError as exc:
        raise ApiError(exc.code) from None
    return {"score": rating.score, "comment": rating.comment}


@router.get("/conversations/{conversation_id}/transcript.pdf",
            response={200: None, **ERR}, summary="The transcript as PDF")
def transcript(request: HttpRequest, conversation_id: UUID) -> HttpResponse:
    conversation = _own(request, conversation_id)
    _transcript, data = transcript_pdf(conversation.pk)
    return pdf_response(conversation.pk, data)


@router.post("/conversations/{conversation_id}/transcript/email",
             response={202: QueuedOut, 409: ErrorOut, **ERR},
             summary="Email me the transcript")
def transcript_email(request: HttpRequest, conversation_id: UUID) -> Answer[dict[str, bool]]:
    """Account customers with a known email address only (409 ``no_email`` otherwise)."""
    conversation = _own(request, conversation_id)
    customer = conversation.customer
    if not customer.external_ref or mailbox_for(customer) is None:
        raise ApiError("no_email")
    transcript_email_send.enqueue(conversation_id=conversation.pk, customer_id=customer.pk)
    return Answer(202, {"queued": True})
