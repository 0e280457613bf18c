"""Attachments: type by content, metadata removed, thumbnails, encryption, who may fetch."""

from __future__ import annotations

import hashlib
import io
import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from kefu.core.encryption import generate_key
from kefu.desk.errors import DeskError
from kefu.desk.models import Attachment, Conversation, Team
from kefu.desk.services.attachments import (
    AttachmentError,
    attachment_bytes,
    attachment_upload,
    sanitize_name,
)
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import customer_for_account
from kefu.desk.services.messages import attachments_bind, message_post
from kefu.desk.transcripts import render_pdf, transcript_for
from tests.desk.conftest import DeskClient, make_agent

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (800, 600), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 15.0), 3: "E", 4: (116.0, 23.0, 30.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 255) if mode == "RGBA" else (10, 20, 30)).save(
        out, format="PNG")
    return out.getvalue()


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def storage(settings: Any, tmp_path: Path) -> Path:
    settings.KEFU_ATTACHMENT_ROOT = tmp_path / "attachments"
    settings.KEFU_ATTACHMENT_ENCRYPT = False
    return tmp_path / "attachments"


@pytest.fixture
def world() -> dict[str, Any]:
    support = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                                  is_default=True)
    vip = Team.objects.create(slug="vip", name_zh_hans="VIP", name_en="VIP")
    customer = customer_for_account(external_ref="acct-1", display_name="Zhang San")
    conversation = conversation_open(customer=customer, channel="app", team=support)
    return {"support": support, "customer": customer, "conversation": conversation,
            "agent": make_agent("alice", support), "outsider": make_agent("victor", vip),
            "stranger": User.objects.create_user("mallory", password="pw")}


def upload(conversation: Conversation, data: bytes, name: str = "x.png") -> Attachment:
    return attachment_upload(conversation=conversation,
                             uploader_key=f"c:{conversation.customer_id}", name=name, data=data)


def test_exif_and_gps_are_removed_and_a_thumbnail_made(world: dict[str, Any]) -> None:
    original = jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()
    attachment = upload(world["conversation"], original, "IMG_0001.JPG")
    stored = attachment_bytes(attachment)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored
    assert attachment.content_type == "image/jpeg"
    assert attachment.name == "IMG_0001.jpg"
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    thumb = Image.open(io.BytesIO(attachment_bytes(attachment, thumbnail=True)))
    assert thumb.format == "WEBP"
    assert max(thumb.size) == 320


def test_orientation_is_applied_before_exif_goes(world: dict[str, Any]) -> None:
    # Orientation 6: the camera held sideways; the stored picture is upright (portrait).
    attachment = upload(world["conversation"], jpeg_with_gps((400, 200), orientation=6))
    assert Image.open(io.BytesIO(attachment_bytes(attachment))).size == (200, 400)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_other_image_types_are_recognised_by_content(world: dict[str, Any], fmt: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (1, 2, 3)).save(out, format=fmt)
    attachment = upload(world["conversation"], out.getvalue(), "picture.pdf")
    assert attachment.content_type == f"image/{fmt.lower()}"
    assert not attachment.name.endswith(".pdf")


def test_harmless_escapes_and_streams_in_a_pdf_are_fine(world: dict[str, Any]) -> None:
    stream = zlib.compress(b"BT (hi) Tj ET")
    data = MINIMAL_PDF.replace(b"endobj\nxref", b"endobj\n3 0 obj\n<< /BaseFont /Noto#20Sans "
                               b"/Filter /FlateDecode >>\nstream\n" + stream
                               + b"\nendstream\nendobj\nxref")
    assert upload(world["conversation"], data).content_type == "application/pdf"


def test_a_pdf_is_kept_as_is_without_thumbnail(world: dict[str, Any]) -> None:
    attachment = upload(world["conversation"], MINIMAL_PDF, "statement.png")
    assert (attachment.content_type, attachment.name) == ("application/pdf", "statement.pdf")
    assert attachment_bytes(attachment) == MINIMAL_PDF
    assert attachment.thumbnail_key == ""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "file_type_not_allowed"),  # an .exe named .png
        (b"<html><script>alert(1)</script></html>", "file_type_not_allowed"),
        (MINIMAL_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S "
                             b"/JavaScript /JS (app.alert(1)) >>"), "file_type_not_allowed"),
        (MINIMAL_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /J#61vaScript"),
         "file_type_not_allowed"),
        (MINIMAL_PDF.replace(b"endobj\nxref", b"endobj\n3 0 obj\n<< /Type /ObjStm /Filter "
                             b"/FlateDecode >>\nstream\n" + zlib.compress(b"<< /S /JavaScript >>")
                             + b"\nendstream\nendobj\nxref"), "file_type_not_allowed"),
        (MINIMAL_PDF[:60], "file_damaged"),  # a truncated PDF
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "file_damaged"),  # PNG signature, no image
        (png()[:-30], "file_damaged"),
        (b"", "file_empty"),
    ],
)
def test_wrong_or_damaged_content_is_refused_and_nothing_stored(
    world: dict[str, Any], storage: Path, data: bytes, code: str
) -> None:
    with pytest.raises(AttachmentError) as caught:
        upload(world["conversation"], data)
    assert caught.value.code == code
    assert Attachment.objects.count() == 0
    assert not storage.exists() or not any(p.is_file() for p in storage.rglob("*"))
    with translation.override("zh-hans"):
        assert caught.value.message
        assert caught.value.message != code


def test_a_polyglot_loses_whatever_rides_after_the_image(world: dict[str, Any]) -> None:
    # A valid PNG with a script appended (also read as HTML/ZIP by lax parsers).
    payload = b"<script>alert(document.cookie)</script>PK\x03\x04"
    attachment = upload(world["conversation"], png() + payload, "cat.png")
    assert payload not in attachment_bytes(attachment)


def test_a_pdf_is_not_a_pdf_unless_it_starts_as_one(world: dict[str, Any]) -> None:
    with pytest.raises(AttachmentError) as caught:
        upload(world["conversation"], b"GIF89a" + MINIMAL_PDF)
    assert caught.value.code == "file_damaged"


def test_size_limit_and_decompression_bomb(world: dict[str, Any], settings: Any) -> None:
    settings.KEFU_ATTACHMENT_MAX_BYTES = 2048
    with pytest.raises(AttachmentError) as caught:
        upload(world["conversation"], MINIMAL_PDF + b"%" * 3000)
    assert caught.value.code == "file_too_large"
    with translation.override("en"):
        assert "0.00195312 MB" in caught.value.message or "MB" in caught.value.message
    settings.KEFU_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.KEFU_ATTACHMENT_MAX_PIXELS = 100_000
    bomb = io.BytesIO()
    Image.new("L", (2000, 2000)).save(bomb, format="PNG")  # small file, 4 Mpx
    assert len(bomb.getvalue()) < 20_000
    with pytest.raises(AttachmentError) as caught:
        upload(world["conversation"], bomb.getvalue())
    assert caught.value.code == "image_too_large"


def test_encrypted_at_rest_when_configured(world: dict[str, Any], settings: Any,
                                           storage: Path) -> None:
    settings.KEFU_ENCRYPTION_KEYS = [generate_key()]
    settings.KEFU_ATTACHMENT_ENCRYPT = True
    attachment = upload(world["conversation"], MINIMAL_PDF)
    on_disk = (storage / attachment.storage_key[:2] / attachment.storage_key).read_bytes()
    assert on_disk != MINIMAL_PDF
    assert b"%PDF" not in on_disk
    assert attachment.encrypted
    assert attachment_bytes(attachment) == MINIMAL_PDF
    plain = upload(world["conversation"], jpeg_with_gps())
    thumb_path = storage / plain.thumbnail_key[:2] / plain.thumbnail_key
    assert b"WEBP" not in thumb_path.read_bytes()[:16]
    assert Image.open(io.BytesIO(attachment_bytes(plain, thumbnail=True))).format == "WEBP"


def test_names_are_sanitised() -> None:
    assert sanitize_name("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert sanitize_name('C:\\Users\\a\\"evil";\r\n.png', "image/png") == "evil.png"
    assert sanitize_name("", "image/gif") == "file.gif"
    assert sanitize_name("报告 2026.PDF", "application/pdf") == "报告 2026.pdf"


def test_binding_takes_only_the_senders_own_unbound_files(world: dict[str, Any]) -> None:
    conversation = world["conversation"]
    mine = upload(conversation, png())
    other_customer = customer_for_account(external_ref="acct-2")
    theirs = attachment_upload(conversation=conversation, uploader_key=f"c:{other_customer.pk}",
                               name="x.png", data=png())
    message = message_post(conversation_id=conversation.pk, kind="customer", body="see",
                           author_customer=world["customer"]).message
    with pytest.raises(DeskError):
        attachments_bind(message=message, ids=[mine.pk, theirs.pk])
    assert Attachment.objects.filter(message__isnull=False).count() == 0
    assert attachments_bind(message=message, ids=[mine.pk]) == 1
    second = message_post(conversation_id=conversation.pk, kind="customer", body="again",
                          author_customer=world["customer"]).message
    with pytest.raises(DeskError):  # already sent with the first message
        attachments_bind(message=second, ids=[mine.pk])


def _sent(world: dict[str, Any]) -> Attachment:
    conversation = world["conversation"]
    attachment = upload(conversation, jpeg_with_gps(), "photo.jpg")
    message = message_post(conversation_id=conversation.pk, kind="customer", body="photo",
                           author_customer=world["customer"]).message
    attachments_bind(message=message, ids=[attachment.pk])
    return attachment


def _console_url(name: str, attachment: Attachment, pk: int | None = None) -> str:
    with translation.override("en"):
        return reverse(f"desk:{name}", args=[pk or attachment.conversation_id, attachment.pk])


def test_agents_of_the_team_get_the_file_with_safe_headers(world: dict[str, Any]) -> None:
    attachment = _sent(world)
    client = DeskClient()
    client.force_login(world["agent"])
    response = client.get(_console_url("attachment", attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert hashlib.sha256(response.content).hexdigest() == attachment.sha256
    thumb = client.get(_console_url("attachment_thumb", attachment))
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/webp")


def test_a_pdf_downloads_as_an_attachment(world: dict[str, Any]) -> None:
    conversation = world["conversation"]
    attachment = upload(conversation, MINIMAL_PDF, "bank.pdf")
    message = message_post(conversation_id=conversation.pk, kind="customer", body="pdf",
                           author_customer=world["customer"]).message
    attachments_bind(message=message, ids=[attachment.pk])
    client = DeskClient()
    client.force_login(world["agent"])
    response = client.get(_console_url("attachment", attachment))
    assert response["Content-Disposition"] == 'attachment; filename="bank.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert client.get(_console_url("attachment_thumb", attachment)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_outsiders_get_404_for_an_existing_attachment(world: dict[str, Any], who: str) -> None:
    attachment = _sent(world)
    client = DeskClient()
    client.force_login(world[who])
    for name in ("attachment", "attachment_thumb"):
        response = client.get(_console_url(name, attachment))
        assert response.status_code == 404
        assert attachment.sha256.encode() not in response.content


def test_an_attachment_is_not_reachable_through_another_conversation(
    world: dict[str, Any]
) -> None:
    attachment = _sent(world)
    elsewhere = conversation_open(customer=world["customer"], channel="app",
                                  team=world["support"])
    client = DeskClient()
    client.force_login(world["agent"])
    assert client.get(_console_url("attachment", attachment, elsewhere.pk)).status_code == 404
    assert Client().get(_console_url("attachment", attachment)).status_code == 302  # login


def test_unsent_uploads_stay_out_of_the_console(world: dict[str, Any]) -> None:
    attachment = upload(world["conversation"], png())
    client = DeskClient()
    client.force_login(world["agent"])
    assert client.get(_console_url("attachment", attachment)).status_code == 404


def test_the_console_log_links_the_files(world: dict[str, Any]) -> None:
    attachment = _sent(world)
    client = DeskClient()
    client.force_login(world["agent"])
    with translation.override("en"):
        page = client.get(reverse("desk:conversation", args=[attachment.conversation_id]))
    assert _console_url("attachment", attachment).encode() in page.content
    assert _console_url("attachment_thumb", attachment).encode() in page.content


def test_the_transcript_lists_attachments_with_sha256(world: dict[str, Any]) -> None:
    attachment = _sent(world)
    transcript = transcript_for(attachment.conversation_id)
    listed = [a for m in transcript.messages for a in m.attachments]
    assert [(a.name, a.size, a.sha256) for a in listed] == [
        (attachment.name, attachment.size, attachment.sha256)]
    assert attachment.sha256 in json.dumps(transcript.canonical(), default=str)
    assert render_pdf(transcript).startswith(b"%PDF")
