"""Storing attachments: checked by content, cleaned, thumbnailed, kept outside the web root.

Only images (PNG, JPEG, WebP, GIF) and PDF are accepted, recognised by their bytes — the
file name and the type the client claims are ignored. Images are decoded and re-encoded:
that applies the EXIF orientation, drops every metadata block (EXIF with GPS, XMP, text
chunks) and anything appended after the image data (polyglots). PDFs are not rewritten;
they must start with a PDF header, end like a PDF and carry no active content (scripts,
launch actions, embedded files). Stored bytes are encrypted with
:mod:`kefu.core.encryption`'s keys when ``KEFU_ATTACHMENT_ENCRYPT`` is on.

Write path: :func:`attachment_upload` (a file before its message), then
:func:`kefu.desk.services.messages.message_post` with ``attachment_ids``, which binds
the files in the message's own transaction.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kefu.core.encryption import keyring
from kefu.desk.errors import DeskError
from kefu.desk.models import Attachment, Conversation, Message, MessageKind
from kefu.desk.services.messages import (
    MAX_FILES_PER_MESSAGE,
    message_post,
    sender_key,
    stored_retry,
)

logger = logging.getLogger(__name__)

THUMBNAIL_PX = 320
THUMBNAIL_TYPE = "image/webp"
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
              "image/gif": ".gif", "application/pdf": ".pdf"}
PDF_HEADER = re.compile(rb"\A%PDF-(1\.[0-7]|2\.0)[\r\n]")
PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
# Active content a support desk never needs. Names may be hex-escaped (/J#61vaScript) or
# sit inside compressed object streams: both are undone before looking.
PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)\b"
)
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
PDF_INFLATE_LIMIT = 64 * 1024 * 1024  # decompressed bytes inspected at most (zip bombs)

ERRORS: dict[str, Promise] = {
    "file_too_large": _("The file is too large (at most %(limit)s MB)."),
    "image_too_large": _("The image has too many pixels."),
    "file_type_not_allowed": _(
        "Only pictures (PNG, JPEG, WebP, GIF) and PDF documents can be attached."
    ),
    "file_damaged": _("The file is damaged or incomplete and could not be read."),
    "file_empty": _("The file is empty."),
    "attachment_unknown": _(
        "An attachment was not found: upload it to this conversation first, and send it "
        "only once."
    ),
    "too_many_attachments": _("Too many attachments on one message (at most 10)."),
}


class AttachmentError(Exception):
    """A refused upload or binding. ``code`` is stable; :attr:`message` is for people."""

    def __init__(self, code: str, detail: str = "") -> None:
        assert code in ERRORS, code
        super().__init__(code)
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        text = str(ERRORS[self.code])
        if self.code == "file_too_large":
            text = text % {"limit": f"{max_bytes() / (1024 * 1024):g}"}
        return text


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    content_type: str
    thumbnail: bytes | None


def max_bytes() -> int:
    return int(settings.KEFU_ATTACHMENT_MAX_BYTES)


def storage_root() -> Path:
    return Path(settings.KEFU_ATTACHMENT_ROOT)


# --- checking and cleaning ----------------------------------------------------------------
def sanitize_name(name: str, content_type: str) -> str:
    """A display name: no path, no control or quoting characters, the detected extension."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name
        if unicodedata.category(ch)[0] != "C" and ch not in '"<>:;|?*`$'
    ).strip(" .")
    stem = os.path.splitext(name)[0].strip(" .")[:120] or "file"
    return stem + EXTENSIONS[content_type]


def _check_pdf(data: bytes) -> Cleaned:
    tail = data[-2048:]
    if (
        not PDF_HEADER.match(data)
        or b"%%EOF" not in tail
        or b"startxref" not in tail
        or not PDF_OBJECT.search(data)
        or b"endobj" not in data
    ):
        raise AttachmentError("file_damaged", "not a complete PDF")
    if _pdf_has_active_content(data):
        raise AttachmentError("file_type_not_allowed", "PDF with active content")
    return Cleaned(data, "application/pdf", None)


def _pdf_has_active_content(data: bytes) -> bool:
    def unescape(blob: bytes) -> bytes:
        return PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), blob)

    if PDF_ACTIVE.search(unescape(data)):
        return True
    budget = PDF_INFLATE_LIMIT
    for match in PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue  # not Flate (images, fonts in other filters): nothing to read
        budget -= len(inflated)
        if PDF_ACTIVE.search(unescape(inflated)):
            return True
        if budget <= 0:
            raise AttachmentError("file_damaged", "too much compressed content")
    return False


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(out, format="JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=88)
    else:  # GIF: the first frame (animation is not kept)
        image.save(out, format="GIF")
    return out.getvalue()


def _check_image(data: bytes) -> Cleaned:
    limit = int(settings.KEFU_ATTACHMENT_MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format or ""
            if fmt not in IMAGE_TYPES:
                raise AttachmentError("file_type_not_allowed", fmt)
            width, height = probe.size
            if width * height > limit or width * height == 0:
                raise AttachmentError("image_too_large", f"{width}x{height}")
            probe.verify()  # structure and checksums, without decoding pixels
            image = Image.open(io.BytesIO(data))
            image.seek(0)
            image.load()
            # Applies the EXIF orientation; the copy carries no metadata of the original.
            upright = ImageOps.exif_transpose(image) or image
            if upright.mode == "P" and fmt != "GIF":
                upright = upright.convert("RGBA")
            if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
            clean = upright.copy()
            clean.info = {}
            cleaned = _encode(clean, fmt)
            thumb = clean.convert("RGBA" if clean.mode in ("RGBA", "LA", "P") else "RGB")
            thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            thumb.save(out, format="WEBP", quality=80)
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentError("image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise AttachmentError("file_damaged", type(exc).__name__) from None
    return Cleaned(cleaned, IMAGE_TYPES[fmt], out.getvalue())


def check_content(data: bytes) -> Cleaned:
    """The file's real type by its bytes, cleaned; :class:`AttachmentError` otherwise."""
    if not data:
        raise AttachmentError("file_empty")
    if len(data) > max_bytes():
        raise AttachmentError("file_too_large")
    if data.startswith(b"%PDF-"):
        return _check_pdf(data)
    signatures = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
    if data.startswith(signatures) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return _check_image(data)
    raise AttachmentError("file_type_not_allowed")


# --- storage --------------------------------------------------------------------------------
def _path(key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}(\.thumb)?", key):
        raise ValueError("bad storage key")
    return storage_root() / key[:2] / key


def _write(key: str, data: bytes, *, encrypt: bool) -> None:
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    blob = keyring().encrypt(data) if encrypt else data
    temporary = path.with_name(path.name + ".part")
    with open(temporary, "wb") as handle:
        handle.write(blob)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def attachment_bytes(attachment: Attachment, *, thumbnail: bool = False) -> bytes:
    """The stored content (decrypted), or the thumbnail's."""
    key = attachment.thumbnail_key if thumbnail else attachment.storage_key
    if not key:
        raise FileNotFoundError("no thumbnail")
    blob = _path(key).read_bytes()
    return keyring().decrypt(blob) if attachment.encrypted else blob


def attachment_upload(
    *, conversation: Conversation, uploader_key: str, name: str, data: bytes
) -> Attachment:
    """Check, clean and store one file for ``conversation``; not yet bound to a message."""
    cleaned = check_content(data)
    if len(cleaned.data) > max_bytes():  # re-encoding can grow a tiny-palette image
        raise AttachmentError("file_too_large")
    encrypt = bool(settings.KEFU_ATTACHMENT_ENCRYPT)
    key = secrets.token_hex(16)
    thumb_key = f"{key}.thumb" if cleaned.thumbnail is not None else ""
    _write(key, cleaned.data, encrypt=encrypt)
    if cleaned.thumbnail is not None:
        _write(thumb_key, cleaned.thumbnail, encrypt=encrypt)
    try:
        return Attachment.objects.create(
            conversation=conversation, uploader_key=uploader_key,
            name=sanitize_name(name, cleaned.content_type), content_type=cleaned.content_type,
            size=len(cleaned.data), sha256=hashlib.sha256(cleaned.data).hexdigest(),
            storage_key=key, thumbnail_key=thumb_key, encrypted=encrypt,
        )
    except Exception:
        _discard(key, thumb_key)
        raise


def _discard(*keys: str) -> None:
    """Remove stored files whose row was not (or will not be) written."""
    for key in keys:
        if key:
            _path(key).unlink(missing_ok=True)


# --- binding to a message -------------------------------------------------------------------
def attachments_check(
    *, conversation_id: int, uploader_key: str, ids: list[int], client_msg_id: str = ""
) -> None:
    """Before sending: every id is the uploader's own file in this conversation, not yet
    sent — or already sent with this very ``client_msg_id`` (a retry)."""
    wanted = set(ids)
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise AttachmentError("too_many_attachments")
    rows = Attachment.objects.filter(
        pk__in=wanted, conversation_id=conversation_id, uploader_key=uploader_key
    ).values_list("pk", "message__client_msg_id", "message_id")
    usable = {
        pk for pk, sent_as, message_id in rows
        if message_id is None or (client_msg_id and sent_as == client_msg_id)
    }
    if usable != wanted:
        raise AttachmentError("attachment_unknown")


# --- an agent's reply with a file -----------------------------------------------------------
def agent_reply_with_file(
    *, conversation_id: int, author_user: User, body: str, client_msg_id: str,
    name: str, data: bytes,
) -> Message:
    """Post an agent's reply and attach one file to it, all or nothing.

    The file is checked before anything is written, so a refused file leaves no message; a
    retry with the same ``client_msg_id`` returns the stored reply without a second copy.
    """
    check_content(data)  # raises AttachmentError before the message exists
    uploader = sender_key(MessageKind.AGENT, author_user, None)
    with transaction.atomic():
        stored = stored_retry(conversation_id=conversation_id, sender_key=uploader,
                              client_msg_id=client_msg_id)
        if stored is not None:  # a retry: the reply and its file are already there
            return stored
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            raise DeskError("not_found")
        attachment = attachment_upload(
            conversation=conversation, uploader_key=uploader, name=name, data=data,
        )
        try:
            posted = message_post(
                conversation_id=conversation_id, kind=MessageKind.AGENT, body=body,
                author_user=author_user, client_msg_id=client_msg_id,
                attachment_ids=[attachment.pk],
            )
        except Exception:  # the row goes with the transaction; the files must go too
            _discard(attachment.storage_key, attachment.thumbnail_key)
            raise
    return posted.message
