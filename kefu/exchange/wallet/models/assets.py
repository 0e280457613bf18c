"""What can be withdrawn and where: assets, and the networks each one travels on."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual
from kefu.exchange.wallet.chains import ChainKind, MemoRule

__all__ = [
    "AMOUNT_DECIMALS",
    "AMOUNT_DIGITS",
    "Asset",
    "ChainKind",
    "MemoRule",
    "Network",
    "NetworkState",
]

# 38 digits with 18 decimals: wei-precise ETH amounts up to 10^20 fit with room to spare.
AMOUNT_DIGITS = 38
AMOUNT_DECIMALS = 18


class NetworkState(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SUSPENDED = "suspended", _("Suspended")
    MAINTENANCE = "maintenance", _("Maintenance")


class Asset(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    precision = models.PositiveSmallIntegerField(
        _("decimal places"), validators=[MaxValueValidator(AMOUNT_DECIMALS)]
    )
    daily_limit = models.DecimalField(
        _("daily withdrawal limit per customer"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        help_text=_("Sum of withdrawals in any 24 hours, fees excluded."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["display_order", "code"]

    def __str__(self) -> str:
        return self.code

    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.precision)


class Network(Bilingual, models.Model):
    """One asset on one chain, e.g. USDT on Tron (TRC-20). Withdrawal terms live here."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="networks")
    code = models.CharField(_("code"), max_length=24, help_text=_("e.g. TRX, ETH, SOL"))
    chain = models.CharField(_("chain"), max_length=12, choices=ChainKind.choices)
    display_name = models.CharField(
        _("display name"), max_length=40, help_text=_("e.g. Tron (TRC-20)")
    )
    min_withdrawal = models.DecimalField(
        _("minimum withdrawal"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    fee = models.DecimalField(
        _("withdrawal fee"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS
    )
    confirmations = models.PositiveIntegerField(
        _("confirmations required"), default=1, validators=[MinValueValidator(1)]
    )
    memo_rule = models.CharField(
        _("memo rule"), max_length=10, choices=MemoRule.choices, default=MemoRule.NONE
    )
    explorer_tx_url = models.CharField(
        _("explorer transaction URL"),
        max_length=200,
        help_text=_("With {tx} where the transaction hash goes."),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=NetworkState.choices, default=NetworkState.NORMAL
    )
    state_message_zh_hans = models.CharField(
        _("state message (Chinese)"), max_length=200, blank=True
    )
    state_message_en = models.CharField(_("state message (English)"), max_length=200, blank=True)
    simulator = models.CharField(
        _("simulated outcome"),
        max_length=40,
        default="success",
        help_text=_(
            "Only for the built-in simulated chain: success, slow, transient:N, "
            "or a failure reason code. See docs/wallet.md."
        ),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["asset__display_order", "asset__code", "display_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "code"], name="wallet_network_unique_code"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(min_withdrawal__gte=0),
                name="wallet_network_nonnegative_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset.code} · {self.display_name}"

    def explorer_url(self, tx_hash: str) -> str:
        return self.explorer_tx_url.replace("{tx}", tx_hash) if tx_hash else ""

    @property
    def state_message(self) -> str:
        return self.tr("state_message")
