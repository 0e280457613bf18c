"""PDF transcripts: content, embedded CJK font, hard input, and the agent export's access."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.desk.models import Conversation, MessageKind
from kefu.desk.services.messages import message_edit, message_post
from kefu.desk.transcripts import render_pdf, transcript_for, transcript_pdf
from kefu.desk.transcripts.fonts import font_path
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db



def _busy(desk: Desk) -> Conversation:
    conversation = open_conversation(desk, text="我的提现失败了，地址是 TQ1234 😀 hello")
    reply = message_post(conversation_id=conversation.pk, kind=MessageKind.AGENT,
                         body="您好，我来查一下。Let me check.", author_user=desk.agent)
    message_edit(message_id=reply.message.pk, editor=desk.agent, body="您好，已经查到了。")
    message_post(conversation_id=conversation.pk, kind=MessageKind.NOTE,
                 body="SECRET-NOTE 内部备注", author_user=desk.agent)
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER,
                 body="x" * 10_000, author_customer=desk.customer)
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER,
                 body=("长" * 3000) + ("🚀" * 50) + "{{ request.user }} <script>",
                 author_customer=desk.customer)
    return conversation


def test_font_ships_with_the_project() -> None:
    path_ = font_path()
    assert path_.is_file()
    assert path_.read_bytes()[:4] == b"OTTO"  # OpenType, CFF outlines


def test_content_leaves_out_notes_and_keeps_revisions(desk: Desk) -> None:
    conversation = _busy(desk)
    transcript = transcript_for(conversation.pk)
    kinds = [m.kind for m in transcript.messages]
    assert "note" not in kinds
    assert all("SECRET-NOTE" not in m.body for m in transcript.messages)
    agent = next(m for m in transcript.messages if m.kind == "agent")
    assert agent.author == "Alice"  # the agent's display name, not the username
    assert agent.body.startswith("您好，我来查一下")
    assert [r.body for r in agent.revisions] == ["您好，已经查到了。"]
    assert re.fullmatch(r"[0-9a-f]{64}", transcript.fingerprint)
    assert transcript_for(conversation.pk).fingerprint == transcript.fingerprint
    message_post(conversation_id=conversation.pk, kind=MessageKind.CUSTOMER, body="more",
                 author_customer=desk.customer)
    assert transcript_for(conversation.pk).fingerprint != transcript.fingerprint


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf_embeds_a_subset_font_and_survives_hard_input(desk: Desk, language: str) -> None:
    desk.customer.language = language
    desk.customer.time_zone = "America/New_York"
    desk.customer.save()
    conversation = _busy(desk)
    _transcript, data = transcript_pdf(conversation.pk)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile3" in data  # the CFF outlines are embedded …
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJK", data)  # … as a subset
    assert len(data) < 2_000_000  # a subset, not the 16 MB font
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 2  # 10k chars wrap
    assert b"SECRET-NOTE" not in data


def test_times_are_in_the_customers_zone(desk: Desk) -> None:
    desk.customer.time_zone = "Asia/Tokyo"
    desk.customer.save()
    transcript = transcript_for(open_conversation(desk).pk)
    assert transcript.time_zone == "Asia/Tokyo"
    from kefu.desk.transcripts.pdf import _when

    assert _when(transcript.messages[0].at, transcript.time_zone).endswith("(UTC+9)")


def test_an_empty_conversation_renders(desk: Desk) -> None:
    from kefu.desk.services.conversations import conversation_open

    conversation = conversation_open(customer=desk.customer, channel="web")
    assert render_pdf(transcript_for(conversation.pk)).startswith(b"%PDF-")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_chinese_text_is_extractable(desk: Desk, tmp_path: Path) -> None:
    _transcript, data = transcript_pdf(_busy(desk).pk)
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                          text=True, env={**os.environ, "LC_ALL": "C.UTF-8"}).stdout
    assert "我的提现失败了" in text
    assert "会话记录" in text or "transcript" in text


# --- the agents' export: the console's visibility rules --------------------------------

EXPORT_NAMES = ["transcript_pdf"]


def _export_url(name: str, conversation: Conversation) -> str:
    with translation.override("en"):
        return reverse(f"desk:{name}", kwargs={"pk": conversation.pk})


@pytest.mark.parametrize("name", EXPORT_NAMES)
@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_export_outside_the_team_is_404(client: Client, desk: Desk, name: str,
                                        who: str) -> None:
    conversation = open_conversation(desk)
    client.force_login(getattr(desk, who))
    response = client.get(_export_url(name, conversation))
    assert response.status_code == 404
    assert b"Zhang" not in response.content


@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_export_anonymous_goes_to_login(client: Client, desk: Desk, name: str) -> None:
    response = client.get(_export_url(name, open_conversation(desk)))
    assert response.status_code == 302
    assert "/desk/login/" in response["Location"]


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_export(client: Client, desk: Desk, who: str) -> None:
    conversation = open_conversation(desk)
    client.force_login(getattr(desk, who))
    response = client.get(_export_url("transcript_pdf", conversation))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
