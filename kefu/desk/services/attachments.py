"""Storing attachments: checked by content, cleaned, thumbnailed, kept outside the web root.

Only images (PNG, JPEG, WebP, GIF) and PDF are accepted, recognised by their bytes — the
file name and the type the client claims are ignored. Images are decoded and re-encoded:
that applies the EXIF orientation, drops every metadata block (EXIF with GPS, XMP, text
chunks) and anything appended after the image data (polyglots). PDFs are not rewritten;
they must start with a PDF header, end like a PDF and carry no active content (scripts,
launch actions, embedded files). Stored bytes are encrypted with
:mod:`kefu.core.encryption`'s keys when ``KEFU_ATTACHMENT_ENCRYPT`` is on.

Write path: :func:`customer_file_upload` or :func:`attachment_upload` (a file before its
message), then :func:`kefu.desk.services.messages.message_post` with ``attachment_ids``,
which binds the files in the message's own transaction. A customer may upload before
their first message: the file then has no conversation until the message that opens one
binds it. Files never sent are held in limited number per uploader
(``KEFU_ATTACHMENT_MAX_UNSENT``) and removed by :func:`attachments_unsent_purge` once
older than ``KEFU_ATTACHMENT_UNSENT_MAX_AGE`` seconds.
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
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kefu.core.encryption import keyring
from kefu.desk.errors import DeskError
from kefu.desk.models import Attachment, Conversation, DeskCustomer, Message, MessageKind
from kefu.desk.services.messages import (
    MAX_FILES_PER_MESSAGE,
    customer_sender_key,
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
        "An attachment was not found: upload it first, send only your own files, and each "
        "only once."
    ),
    "too_many_attachments": _("Too many attachments on one message (at most 10)."),
    "too_many_unsent": _(
        "You have too many files waiting to be sent (at most %(limit)s). Send them with a "
        "message first; files not sent are removed after a day."
    ),
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
        elif self.code == "too_many_unsent":
            text = text % {"limit": max_unsent()}
        return text


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    content_type: str
    thumbnail: bytes | None


def max_bytes() -> int:
    return int(settings.KEFU_ATTACHMENT_MAX_BYTES)


def max_unsent() -> int:
    return int(settings.KEFU_ATTACHMENT_MAX_UNSENT)


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
    *, conversation: Conversation | None, uploader_key: str, name: str, data: bytes
) -> Attachment:
    """Check, clean and store one file for ``conversation``; not yet bound to a message.

    Without ``conversation`` the file waits for the message that opens one.
    """
    return _store(conversation=conversation, uploader_key=uploader_key, name=name,
                  cleaned=_cleaned(data))


def _cleaned(data: bytes) -> Cleaned:
    cleaned = check_content(data)
    if len(cleaned.data) > max_bytes():  # re-encoding can grow a tiny-palette image
        raise AttachmentError("file_too_large")
    return cleaned


def _store(
    *, conversation: Conversation | None, uploader_key: str, name: str, cleaned: Cleaned
) -> Attachment:
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


def _unsent_count(uploader_key: str) -> int:
    return Attachment.objects.filter(uploader_key=uploader_key, message__isnull=True).count()


def customer_file_upload(
    *, customer: DeskCustomer, conversation: Conversation | None, name: str, data: bytes
) -> Attachment:
    """A customer's upload, to ``conversation`` or (None) for the message that opens one.

    A customer holds at most ``KEFU_ATTACHMENT_MAX_UNSENT`` files not yet sent, so an
    upload loop cannot fill the disk: beyond that, ``too_many_unsent``. The count and the
    new row are decided under the customer's row lock, so two uploads at once cannot
    both take the last place; the slow part (decoding, re-encoding) runs before it.
    """
    uploader = customer_sender_key(customer.pk)  # files are bound to messages by this key
    if _unsent_count(uploader) >= max_unsent():  # refused before any decoding work
        raise AttachmentError("too_many_unsent")
    cleaned = _cleaned(data)
    with transaction.atomic():
        # NO KEY UPDATE: serialises this customer's uploads without blocking the rows
        # that only reference the customer (a conversation being opened meanwhile).
        DeskCustomer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
        if _unsent_count(uploader) >= max_unsent():
            raise AttachmentError("too_many_unsent")
        return _store(conversation=conversation, uploader_key=uploader, name=name,
                      cleaned=cleaned)


PURGE_BATCH = 500


def attachments_unsent_purge(*, now: datetime | None = None) -> int:
    """Remove files never sent, uploaded more than ``KEFU_ATTACHMENT_UNSENT_MAX_AGE``
    seconds ago: the rows, then their stored bytes. Returns how many were removed.

    Safe to run on several processes and while customers send: the rows are claimed with
    ``SKIP LOCKED`` and deleted only if still unbound, so a message binding a file at
    this moment either gets it (and the file stays) or finds it gone (attachment_unknown,
    nothing stored). Bytes are unlinked only after the deletion committed.
    """
    cutoff = (now or timezone.now()) - timedelta(
        seconds=int(settings.KEFU_ATTACHMENT_UNSENT_MAX_AGE))
    removed = 0
    while True:
        with transaction.atomic():
            rows = list(
                Attachment.objects.select_for_update(skip_locked=True)
                .filter(message__isnull=True, created_at__lt=cutoff)
                .order_by("pk").values_list("pk", "storage_key", "thumbnail_key")[:PURGE_BATCH]
            )
            if not rows:
                return removed
            Attachment.objects.filter(pk__in=[pk for pk, _k, _t in rows],
                                      message__isnull=True).delete()
        for _pk, key, thumb in rows:
            _discard(key, thumb)
        removed += len(rows)
        if len(rows) < PURGE_BATCH:
            return removed


# --- binding to a message -------------------------------------------------------------------
def attachments_check(
    *, conversation_id: int | None, uploader_key: str, ids: list[int], client_msg_id: str = ""
) -> None:
    """Before sending: every id is the uploader's own file, not yet sent, uploaded to this
    conversation or before any (``conversation_id`` None: a first message may only carry
    the latter) — or already sent with this very ``client_msg_id`` (a retry)."""
    wanted = set(ids)
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise AttachmentError("too_many_attachments")
    rows = Attachment.objects.filter(pk__in=wanted, uploader_key=uploader_key).values_list(
        "pk", "conversation_id", "message__client_msg_id", "message_id")
    usable = {
        pk for pk, in_conversation, sent_as, message_id in rows
        if (message_id is None and in_conversation in (None, conversation_id))
        or (client_msg_id and sent_as == client_msg_id)
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
