"""Messages: an append-only, per-conversation ordered log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.desk.models.choices import MessageKind
from kefu.desk.models.conversations import Conversation
from kefu.desk.models.customers import DeskCustomer


class Message(models.Model):
    """One entry of a conversation's log, numbered by ``seq`` (1, 2, 3, … per conversation).

    ``body`` is written once. An edit adds a :class:`MessageRevision`; the shown text is the
    latest revision's, and the original stays for the transcript.
    ``sender_key`` ("u:<user id>", "c:<customer id>" or "system") scopes ``client_msg_id``:
    the same client id from the same sender is stored once.
    """

    # No index of its own: (conversation, seq) and (conversation, client_msg_id) both
    # lead with it.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_customer = models.ForeignKey(
        DeskCustomer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender_key = models.CharField(max_length=40)
    client_msg_id = models.CharField(max_length=64, blank=True)
    body = models.TextField(_("text"))
    revision_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="desk_message_seq"),
            models.UniqueConstraint(
                fields=["conversation", "sender_key", "client_msg_id"],
                condition=~Q(client_msg_id=""),
                name="desk_message_client_id",
            ),
        ]
        indexes = [
            # Finding retries: the partial unique index above cannot serve a query with
            # bound parameters (SQLite cannot prove a parameter is not '').
            models.Index(fields=["conversation", "client_msg_id"], name="desk_message_retry"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"

    @property
    def current_body(self) -> str:
        """The latest revision's text (no query when ``revisions`` is prefetched)."""
        revisions = list(self.revisions.all())
        return max(revisions, key=lambda r: r.number).body if revisions else self.body


class MessageRevision(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    body = models.TextField(_("text"))
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("message revision")
        verbose_name_plural = _("message revisions")
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="desk_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.message} r{self.number}"
