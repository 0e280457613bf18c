"""The inbound pipeline's own store: every message any channel handed us, kept or rejected."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.desk.models.choices import Channel, InboundState


class InboundMessage(models.Model):
    """One delivery from a channel, keyed by the channel's idempotency key.

    The unique (channel, key) pair is the de-duplication: a redelivered webhook hits the
    constraint and gets the first delivery's result. Rejected deliveries stay here as
    ``quarantined`` with a reason, so nothing is dropped silently. ``payload`` is stored
    after redaction: a seed phrase a customer pasted never reaches the database.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    state = models.CharField(_("state"), max_length=12, choices=InboundState.choices)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    payload = models.JSONField(_("payload (redacted)"), default=dict)
    redactions = models.JSONField(_("redactions"), default=list, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    message = models.OneToOneField(
        "desk.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound"
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"], name="desk_inbound_idempotency"
            ),
        ]
        indexes = [models.Index(fields=["state", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key} ({self.state})"


class Quarantine(InboundMessage):
    """Admin view of the rejected deliveries (a proxy: same table)."""

    class Meta:
        proxy = True
        verbose_name = _("quarantined message")
        verbose_name_plural = _("quarantine")
