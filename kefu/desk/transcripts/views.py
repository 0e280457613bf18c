"""Agents and supervisors export a transcript, with the console's visibility rules."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from kefu.desk.models import AgentProfile
from kefu.desk.selectors import conversation_for
from kefu.desk.transcripts import transcript_pdf
from kefu.desk.views.common import agent_required


def pdf_response(conversation_id: int, data: bytes, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="transcript-{conversation_id}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required
def transcript_export(request: HttpRequest, profile: AgentProfile, pk: int) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    conversation = conversation_for(profile, pk)  # outside the agent's teams: 404
    _transcript, data = transcript_pdf(conversation.pk)
    return pdf_response(conversation.pk, data)
