"""@mentions in private notes: who was asked to look, and whether they have."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.desk.models.conversations import Conversation
from kefu.desk.models.messages import Message


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="mentions"
    )
    mentioned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_mentions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["message", "mentioned"], name="desk_mention_once"),
        ]
        indexes = [
            models.Index(
                fields=["mentioned", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="desk_mention_unread",
            ),
            models.Index(fields=["mentioned", "-created_at"], name="desk_mention_recent"),
        ]

    def __str__(self) -> str:
        return f"@{self.mentioned_id} in {self.message_id}"
