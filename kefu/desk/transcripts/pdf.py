"""Laying a transcript out as PDF with fpdf2.

Message bodies are data: they go to ``multi_cell`` as plain strings, never through a
template or markup. Characters the embedded font lacks (emoji) become a placeholder box,
and long unbroken strings wrap (fpdf2 breaks a word wider than the line by characters).
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import TTFFont

from kefu.core.i18n import format_moment, normalize_language
from kefu.desk.models import Category, Channel, MessageKind, Status
from kefu.desk.transcripts.content import MessageEntry, Transcript
from kefu.desk.transcripts.fonts import PLACEHOLDER, font_path

# fontTools logs every subsetting step at INFO: one line per table, per document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT = "noto"
BODY_SIZE = 10
SMALL_SIZE = 7.5
GREY = (110, 110, 110)
BLACK = (0, 0, 0)


def _platform_name(language: str) -> str:
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    return names.get(language, names.get("zh-hans", "Kefu"))


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _when(value: datetime, zone: str) -> str:
    return format_moment(value, zone=_zone(zone), seconds=True)


class _TranscriptPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=SMALL_SIZE)
        self.set_text_color(*GREY)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.multi_cell(0, 3.6, f"{page} · {self.footer_text}", align="C")
        self.set_text_color(*BLACK)


class _Writer:
    def __init__(self, pdf: _TranscriptPDF, transcript: Transcript) -> None:
        self.pdf = pdf
        self.t = transcript
        font = pdf.fonts[FONT]
        assert isinstance(font, TTFFont)  # added from a file, never a core font
        self.supported: set[int] = set(font.cmap)

    def clean(self, text: str) -> str:
        """Keep what the font can draw; control characters go, missing glyphs become a box."""
        out = []
        for char in text:
            if char in "\n\t":
                out.append(char if char == "\n" else "    ")
            elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
                continue
            elif ord(char) in self.supported:
                out.append(char)
            else:
                out.append(PLACEHOLDER)
        return "".join(out)

    def para(self, text: str, *, size: float = BODY_SIZE, grey: bool = False,
             indent: float = 0) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(*(GREY if grey else BLACK))
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, size * 0.5, self.clean(text), wrapmode=WrapMode.WORD, align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*BLACK)

    def header_block(self, generated: datetime) -> None:
        t = self.t
        self.para(_platform_name(t.language), size=9, grey=True)
        self.para(_("Support conversation transcript"), size=15)
        self.pdf.ln(2)
        rows = [
            (_("Conversation number"), f"#{t.conversation_id}"),
            (_("Reference"), t.public_id),
            (_("Channel"), _label(Channel, t.channel)),
            (_("Category"), _label(Category, t.category)),
            (_("Created"), _when(t.created_at, t.time_zone)),
            (_("Status"), _label(Status, t.status)),
            (_("Subject"), t.subject or "—"),
            (_("Customer"), t.customer_name or "—"),
            (_("Times shown in"), t.time_zone),
            (_("Generated"), _when(generated, t.time_zone)),
        ]
        for label, value in rows:
            self.para(f"{label}: {value}", size=9)
        self.pdf.ln(3)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(*GREY)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(3)

    def author(self, message: MessageEntry) -> str:
        if message.kind == MessageKind.AGENT:
            return message.author or _("Agent")
        if message.kind == MessageKind.CUSTOMER:
            return message.author or _("Customer")
        return _("System")

    def message(self, message: MessageEntry) -> None:
        zone = self.t.time_zone
        role = _label(MessageKind, message.kind)
        self.para(f"{_when(message.at, zone)} · {self.author(message)} ({role})",
                  size=8.5, grey=True)
        self.para(message.body)
        for revision in message.revisions:
            self.para(
                _("Edited at %(time)s (revision %(number)s):")
                % {"time": _when(revision.at, zone), "number": revision.number},
                size=8.5, grey=True, indent=6,
            )
            self.para(revision.body, indent=6)
        for attachment in message.attachments:
            self.para(
                _("Attachment: %(name)s, %(size)s bytes, SHA-256 %(sha)s")
                % {"name": attachment.name, "size": attachment.size, "sha": attachment.sha256},
                size=8.5, grey=True, indent=6,
            )
        self.pdf.ln(3)


def render_pdf(transcript: Transcript, *, now: datetime | None = None) -> bytes:
    """The PDF bytes, labels in the customer's language, times in their time zone."""
    generated = now or timezone.now()
    with override(normalize_language(transcript.language)):
        pdf = _TranscriptPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.set_margins(16, 16, 16)
        pdf.add_font(FONT, "", str(font_path()))
        pdf.set_title(f"#{transcript.conversation_id}")
        pdf.set_creator("Kefu")
        pdf.set_creation_date(generated)
        pdf.footer_text = _("Generated %(time)s · SHA-256 of the content: %(hash)s") % {
            "time": _when(generated, transcript.time_zone),
            "hash": transcript.fingerprint,
        }
        pdf.add_page()
        writer = _Writer(pdf, transcript)
        writer.header_block(generated)
        if not transcript.messages:
            writer.para(_("No messages."), grey=True)
        for message in transcript.messages:
            writer.message(message)
        return bytes(pdf.output())
