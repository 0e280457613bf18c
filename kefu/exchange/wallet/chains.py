"""Chain families and memo rules: plain enumerations, importable without the app registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainKind(models.TextChoices):
    """The address family of a network; decides how addresses are validated."""

    BITCOIN = "bitcoin", "Bitcoin"
    ETHEREUM = "ethereum", "Ethereum (EVM)"
    TRON = "tron", "Tron"
    SOLANA = "solana", "Solana"
    XRP = "xrp", "XRP Ledger"


class MemoRule(models.TextChoices):
    NONE = "none", _("No memo")
    OPTIONAL = "optional", _("Memo optional")
    REQUIRED = "required", _("Memo or tag required")
