"""Attachments in the console: served only to agents who may see the conversation."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from kefu.desk.models import AgentProfile, Attachment
from kefu.desk.selectors import conversation_for
from kefu.desk.services.attachments import THUMBNAIL_TYPE, attachment_bytes
from kefu.desk.views.common import agent_required


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> HttpResponse:
    """The stored bytes with headers that stop a browser from guessing or caching them."""
    try:
        data = attachment_bytes(attachment, thumbnail=thumbnail)
    except FileNotFoundError:
        raise Http404 from None
    content_type = THUMBNAIL_TYPE if thumbnail else attachment.content_type
    response = HttpResponse(data, content_type=content_type)
    inline = thumbnail or attachment.is_image  # PDFs download: no viewer runs in our origin
    name = attachment.name if not thumbnail else f"thumbnail-{attachment.pk}.webp"
    response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _serve(request: HttpRequest, profile: AgentProfile, pk: int, att_id: int,
           thumbnail: bool) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    conversation = conversation_for(profile, pk)  # outside the agent's teams: 404
    attachment = Attachment.objects.filter(
        pk=att_id, conversation=conversation, message__isnull=False
    ).first()
    if attachment is None:
        raise Http404
    return file_response(attachment, thumbnail=thumbnail)


@agent_required
def attachment_file(request: HttpRequest, profile: AgentProfile, pk: int,
                    att_id: int) -> HttpResponse:
    return _serve(request, profile, pk, att_id, thumbnail=False)


@agent_required
def attachment_thumbnail(request: HttpRequest, profile: AgentProfile, pk: int,
                         att_id: int) -> HttpResponse:
    return _serve(request, profile, pk, att_id, thumbnail=True)
