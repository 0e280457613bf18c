"""The desk's own record of a customer, and the channel identities linked to it."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import validate_time_zone
from kefu.desk.models.choices import CustomerKind, IdentityKind


class DeskCustomer(models.Model):
    """A platform account (known by the gateway's opaque reference) or an anonymous visitor.

    Visitors matter: a locked-out customer cannot log in and must still reach support.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices)
    external_ref = models.CharField(
        _("exchange account reference"),
        max_length=100,
        blank=True,
        help_text=_("Opaque reference from the exchange gateway; empty for visitors."),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="desk_customer_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(kind="visitor", external_ref="")
                | (Q(kind="account") & ~Q(external_ref="")),
                name="desk_customer_account_has_ref",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or str(self.public_id)[:8]


class CustomerIdentity(models.Model):
    """An address on a channel (email, Telegram id, …).

    Unverified identities are only hints; a verified address belongs to one customer,
    and only a verified identity links a channel to a customer's other conversations.
    """

    customer = models.ForeignKey(
        DeskCustomer, on_delete=models.CASCADE, related_name="identities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IdentityKind.choices)
    address = models.CharField(_("address"), max_length=254)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "address"],
                condition=Q(verified_at__isnull=False),
                name="desk_identity_verified_once",
            ),
            models.UniqueConstraint(
                fields=["customer", "kind", "address"], name="desk_identity_unique_per_customer"
            ),
        ]
        indexes = [models.Index(fields=["kind", "address"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"
