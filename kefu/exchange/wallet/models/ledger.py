"""Balances and the ledger that explains them.

A balance row is a cache of its ledger: every change to ``available`` or ``in_flight``
is one or more ``LedgerEntry`` rows written in the same transaction (services/ledger.py),
so for every customer and asset the entries sum to the balance.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.models.assets import AMOUNT_DECIMALS, AMOUNT_DIGITS, Asset


class Bucket(models.TextChoices):
    AVAILABLE = "available", _("Available")
    IN_FLIGHT = "in_flight", _("In flight")


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL_HOLD = "withdrawal_hold", _("Withdrawal submitted")
    WITHDRAWAL_RELEASE = "withdrawal_release", _("Withdrawal returned")
    WITHDRAWAL_SENT = "withdrawal_sent", _("Withdrawal sent")


class Balance(models.Model):
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="balances"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="balances")
    available = models.DecimalField(
        _("available"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    in_flight = models.DecimalField(
        _("in flight"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "asset"], name="wallet_balance_one_per_asset"
            ),
            models.CheckConstraint(
                condition=Q(available__gte=0) & Q(in_flight__gte=0),
                name="wallet_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.asset_id}: {self.available} + {self.in_flight}"


class LedgerEntry(models.Model):
    """Append-only. ``amount`` is signed: what this entry added to its bucket."""

    balance = models.ForeignKey(Balance, on_delete=models.PROTECT, related_name="entries")
    bucket = models.CharField(max_length=10, choices=Bucket.choices)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    created_at = models.DateTimeField()
    withdrawal = models.ForeignKey(
        "wallet.Withdrawal", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    deposit = models.ForeignKey(
        "wallet.Deposit", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["balance", "bucket"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.bucket} {self.amount}"
