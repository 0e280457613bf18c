"""Files customers and agents attach to a conversation (images and PDF)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.desk.models.conversations import Conversation
from kefu.desk.models.messages import Message


class Attachment(models.Model):
    """One stored file. Uploaded first (``message`` empty), bound to a message when sent.

    A customer may upload before their first message, when there is no conversation yet:
    ``conversation`` is then empty too, and the file belongs to ``uploader_key`` alone
    until the message that opens the conversation binds it (and sets ``conversation``).
    Files never sent are removed after ``KEFU_ATTACHMENT_UNSENT_MAX_AGE`` seconds.

    The bytes live outside the web root under ``KEFU_ATTACHMENT_ROOT`` (encrypted when
    ``KEFU_ATTACHMENT_ENCRYPT`` is on); ``sha256`` is of the stored content as served
    (after images were re-encoded without their metadata), so a transcript's fingerprint
    can be checked against the file a customer downloads. ``uploader_key`` has the shape
    of ``Message.sender_key`` ("c:<customer id>" or "u:<user id>").
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True,
        related_name="attachments",
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploader_key = models.CharField(max_length=40)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_key = models.CharField(max_length=200, unique=True)
    thumbnail_key = models.CharField(max_length=200, blank=True)
    encrypted = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["conversation", "id"]
        indexes = [
            models.Index(fields=["message", "id"], name="desk_attachment_message"),
            models.Index(
                fields=["conversation", "uploader_key"],
                condition=Q(message__isnull=True),
                name="desk_attachment_unbound",
            ),
            # Unsent files per uploader (the limit on how many one may hold) and by age
            # (the clean-up): both look only at files not yet bound to a message.
            models.Index(
                fields=["uploader_key"], condition=Q(message__isnull=True),
                name="desk_attachment_unsent_owner",
            ),
            models.Index(
                fields=["created_at"], condition=Q(message__isnull=True),
                name="desk_attachment_unsent_age",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
