"""Agents send a file with a reply from the console: checked by content, all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from kefu.desk.models import Attachment, Message, MessageKind
from tests.desk.conftest import Desk, DeskClient, open_conversation

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def reply_url(pk: int, language: str = "en") -> str:
    with translation.override(language):
        return reverse("desk:reply", args=[pk])


def test_a_reply_carries_an_image_to_the_customer(desk: Desk) -> None:
    conversation = open_conversation(desk)
    client = DeskClient()
    client.force_login(desk.agent)
    data = {"body": "Here is where to find it", "kind": "agent", "client_msg_id": "r1",
            "attachment": SimpleUploadedFile("where.png", png(), content_type="image/png")}
    assert client.post(reply_url(conversation.pk), data).status_code == 302
    message = Message.objects.get(conversation=conversation, kind=MessageKind.AGENT)
    attachment = Attachment.objects.get(message=message)
    assert (attachment.name, attachment.content_type) == ("where.png", "image/png")
    assert attachment.thumbnail_key  # the customer's widget shows a thumbnail

    # The same client id again (a double submit) stores neither twice.
    data["attachment"] = SimpleUploadedFile("where.png", png(), content_type="image/png")
    client.post(reply_url(conversation.pk), data)
    assert Message.objects.filter(kind=MessageKind.AGENT).count() == 1
    assert Attachment.objects.count() == 1

    page = client.get(reverse("desk:conversation", args=[conversation.pk])).content.decode()
    assert f"/attachments/{attachment.pk}/" in page


@pytest.mark.parametrize(
    ("language", "kind", "name", "content", "error"),
    [
        ("en", "agent", "tool.png", b"MZ\x90\x00 not an image", "PDF documents can be attached"),
        ("zh-hans", "agent", "tool.png", b"MZ\x90\x00 not an image", "只能上传图片"),
        ("en", "note", "ok.png", None, "replies to the customer only"),
    ],
)
def test_refused_files_store_nothing_and_say_why(
    desk: Desk, language: str, kind: str, name: str, content: bytes | None, error: str
) -> None:
    conversation = open_conversation(desk)
    client = DeskClient()
    client.force_login(desk.agent)
    before = Message.objects.count()
    upload = SimpleUploadedFile(name, content if content is not None else png())
    response = client.post(reply_url(conversation.pk, language),
                           {"body": "see file", "kind": kind, "attachment": upload}, follow=True)
    assert error in response.content.decode()
    assert Message.objects.count() == before
    assert Attachment.objects.count() == 0
