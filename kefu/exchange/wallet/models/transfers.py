"""Money moving in and out: deposits and withdrawals."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.models.assets import AMOUNT_DECIMALS, AMOUNT_DIGITS, Asset, Network
from kefu.exchange.wallet.reasons import TRANSIENT, FailureReason


class DepositState(models.TextChoices):
    PENDING = "pending", _("Confirming")
    CREDITED = "credited", _("Credited")


class Deposit(models.Model):
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="deposits"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="deposits")
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    # The chain's id for this transfer (tx hash, plus output index where relevant):
    # crediting the same one twice is refused by the unique constraint.
    external_id = models.CharField(_("transaction id"), max_length=130)
    state = models.CharField(
        _("state"), max_length=10, choices=DepositState.choices, default=DepositState.CREDITED
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-created_at", "-id"], name="wallet_dep_customer_recent"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "external_id"], name="wallet_deposit_unique_tx"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_deposit_positive"),
        ]

    def __str__(self) -> str:
        return f"+{self.amount} {self.asset_id} ({self.external_id[:12]})"


class WithdrawalState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RISK_REVIEW = "risk_review", _("Under review")
    PROCESSING = "processing", _("Processing")
    BROADCAST = "broadcast", _("Sent, confirming")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# Funds are back in the available balance in each of these, and nothing moves any more.
ENDED_RETURNED = frozenset(
    {WithdrawalState.FAILED, WithdrawalState.CANCELLED, WithdrawalState.REJECTED}
)
ENDED = ENDED_RETURNED | {WithdrawalState.COMPLETED}
# Nothing has gone to a node yet (or a node attempt ended): the customer may still cancel.
CANCELLABLE = frozenset(
    {WithdrawalState.SUBMITTED, WithdrawalState.RISK_REVIEW, WithdrawalState.PROCESSING}
)


class Withdrawal(models.Model):
    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="withdrawals"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="withdrawals")
    idempotency_key = models.CharField(max_length=64)
    address = models.CharField(_("address"), max_length=128)
    memo = models.CharField(_("memo / tag"), max_length=64, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    fee = models.DecimalField(_("fee"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=WithdrawalState.choices,
        default=WithdrawalState.SUBMITTED,
    )
    failure_reason = models.CharField(
        _("reason"), max_length=32, blank=True, choices=FailureReason.choices
    )
    failure_detail = models.CharField(_("technical detail"), max_length=300, blank=True)
    # True while a worker talks to the node: the one window in which cancel must wait.
    broadcasting = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(_("broadcast attempts"), default=0)
    retry_at = models.DateTimeField(_("next automatic retry"), null=True, blank=True)
    tx_hash = models.CharField(_("transaction hash"), max_length=130, blank=True)
    confirmations = models.PositiveIntegerField(default=0)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(_("time"))
    updated_at = models.DateTimeField()
    broadcast_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-created_at", "-id"], name="wallet_wd_customer_recent"
            ),
            models.Index(
                fields=["customer", "asset", "created_at"], name="wallet_wd_customer_asset_day"
            ),
            models.Index(fields=["state", "retry_at"], name="wallet_wd_state_retry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="wallet_withdrawal_idempotent"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(fee__gte=0), name="wallet_withdrawal_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"-{self.amount} {self.asset_id} → {self.address[:10]}… ({self.state})"

    @property
    def total(self) -> Decimal:
        total: Decimal = self.amount + self.fee
        return total

    @property
    def is_retrying(self) -> bool:
        """Waiting for an automatic retry after a transient node error."""
        return self.state == WithdrawalState.PROCESSING and self.retry_at is not None

    @property
    def can_cancel(self) -> bool:
        return self.state in CANCELLABLE and not self.broadcasting

    @property
    def can_retry(self) -> bool:
        return self.state == WithdrawalState.FAILED and self.failure_reason in TRANSIENT

    @property
    def explorer_url(self) -> str:
        return self.network.explorer_url(self.tx_hash)
