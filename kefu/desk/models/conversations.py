"""Conversations (tickets), their labels, SLA policies and change history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual
from kefu.desk.models.choices import Category, Channel, Priority, Status
from kefu.desk.models.customers import DeskCustomer
from kefu.desk.models.teams import Team


class Label(Bilingual, models.Model):
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.tr("name")


class SlaPolicy(models.Model):
    """Targets in business minutes; empty priority/category match any.

    The most specific policy wins (both match > category > priority > catch-all).
    """

    name = models.CharField(_("name"), max_length=100)
    priority = models.SmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """One customer request on one channel.

    Fields change only through :mod:`kefu.desk.services`, each change recorded as a
    :class:`ConversationEvent`. ``last_seq`` hands out message sequence numbers under a
    row lock. ``next_sla_due`` is the earliest pending SLA deadline, kept so the
    "breached" and "due soon" inbox filters are one indexed range scan.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        DeskCustomer, on_delete=models.PROTECT, related_name="conversations"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    priority = models.SmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.CharField(
        _("category"), max_length=30, choices=Category.choices, default=Category.OTHER
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="desk_conversations",
        verbose_name=_("assignee"),
    )
    context = models.JSONField(
        _("prepared information"),
        default=dict,
        blank=True,
        help_text=_("Account and event details attached when the request was opened."),
    )

    last_seq = models.PositiveIntegerField(default=0)
    last_customer_seq = models.PositiveIntegerField(default=0)
    # Shared read state: the highest sequence an agent with access has seen.
    agent_read_seq = models.PositiveIntegerField(default=0)
    # The customer's own read state (chat `read` frames and the app API), forward only.
    customer_read_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True)
    waiting_since = models.DateTimeField(
        _("waiting since"), null=True, blank=True,
        help_text=_("When the customer started waiting in the queue for an agent."),
    )

    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    next_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolution_at = models.DateTimeField(null=True, blank=True)
    next_sla_due = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    next_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        # Each inbox view is "a filter, then newest activity first": one index each, so
        # the first page is a short index range scan whatever the table size.
        indexes = [
            models.Index(fields=["status", "-last_activity_at", "-id"], name="desk_conv_all"),
            models.Index(
                fields=["assignee", "status", "-last_activity_at", "-id"], name="desk_conv_mine"
            ),
            models.Index(
                fields=["team", "status", "-last_activity_at", "-id"], name="desk_conv_team"
            ),
            # "Due soon" is a narrow deadline range: this index, then a small sort.
            # "Breached" is most of the open backlog: that one scans `desk_conv_all` in
            # activity order and stops at a page. (A `status, next_sla_due` index made
            # SQLite sort every breached row instead.)
            models.Index(
                fields=["next_sla_due"],
                condition=Q(next_sla_due__isnull=False),
                name="desk_conv_sla_due",
            ),
            models.Index(
                fields=["team", "waiting_since"],
                condition=Q(assignee__isnull=True, status="open"),
                name="desk_conv_queue",
            ),
            models.Index(fields=["customer", "-created_at"], name="desk_conv_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="snoozed", snoozed_until__isnull=False) | ~Q(status="snoozed"),
                name="desk_conv_snooze_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}".strip()

    @property
    def unread(self) -> bool:
        return self.last_customer_seq > self.agent_read_seq


class ConversationEvent(models.Model):
    """History of a conversation: who changed what, when, from what to what.

    Also records refused attempts (e.g. losing an assignment race), so the history shows
    both sides of a conflict.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("old value"), max_length=200, blank=True)
    new_value = models.CharField(_("new value"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "id"])]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"
