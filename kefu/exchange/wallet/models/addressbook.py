"""Saved withdrawal addresses and the "withdraw only to saved addresses" choice."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.models.assets import Network


class AddressBookEntry(models.Model):
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.CASCADE, related_name="saved_addresses"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("label"), max_length=40)
    address = models.CharField(_("address"), max_length=128)
    memo = models.CharField(_("memo / tag"), max_length=64, blank=True)
    created_at = models.DateTimeField()
    # A newly saved address waits (24 hours by default) so that a thief who got in cannot
    # add an address and empty the account at once.
    usable_after = models.DateTimeField(_("usable from"))

    class Meta:
        verbose_name = _("saved address")
        verbose_name_plural = _("saved addresses")
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "network", "address", "memo"], name="wallet_addressbook_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.address[:10]}…)"

    def usable(self, now: datetime) -> bool:
        return self.usable_after <= now


class WalletPreferences(models.Model):
    customer = models.OneToOneField(
        "accounts.Customer", on_delete=models.CASCADE, related_name="wallet_preferences"
    )
    saved_addresses_only = models.BooleanField(_("withdraw only to saved addresses"), default=False)

    class Meta:
        verbose_name = _("wallet preferences")
        verbose_name_plural = _("wallet preferences")

    def __str__(self) -> str:
        return f"wallet preferences of {self.customer_id}"
