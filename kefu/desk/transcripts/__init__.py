"""Conversation transcripts as PDF, for the customer to keep and for agents to export.

``content.transcript_for(conversation)`` gathers what goes in (no private notes) and
fingerprints it; ``pdf.render_pdf(transcript)`` lays it out with an embedded CJK font.
``transcript_pdf(conversation)`` does both.
"""

from __future__ import annotations

from kefu.desk.transcripts.content import Transcript, transcript_for
from kefu.desk.transcripts.pdf import render_pdf

__all__ = ["Transcript", "render_pdf", "transcript_for", "transcript_pdf"]


def transcript_pdf(conversation_id: int) -> tuple[Transcript, bytes]:
    """The transcript of one conversation and its PDF bytes (the caller checks access)."""
    transcript = transcript_for(conversation_id)
    return transcript, render_pdf(transcript)
