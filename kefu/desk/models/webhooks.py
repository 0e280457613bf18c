"""Events the exchange pushed to the desk (signed webhooks or in-process), kept or rejected."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExchangeEvent(models.Model):
    """One exchange event, keyed by the exchange's event id.

    The unique ``event_id`` is the de-duplication: a redelivery hits the constraint and is
    acknowledged without acting twice. Malformed or unknown events are kept as
    ``quarantined`` with a reason (their id is a hash of the body), never dropped. Together
    with ``customer`` the rows are the customer's exchange timeline.
    """

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PROCESSED = "processed", _("Processed")
        QUARANTINED = "quarantined", _("Quarantined")

    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    event_type = models.CharField(_("type"), max_length=40, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    customer_ref = models.CharField(_("customer reference"), max_length=100, blank=True)
    customer = models.ForeignKey(
        "desk.DeskCustomer", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="exchange_events",
    )
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="exchange_events",
    )
    occurred_at = models.DateTimeField(_("occurred"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange event")
        verbose_name_plural = _("exchange events")
        indexes = [models.Index(fields=["customer", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type or '?'}:{self.event_id} ({self.state})"
