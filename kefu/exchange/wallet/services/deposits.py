"""Crediting deposits (the demo's stand-in for a chain watcher)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.audit import audit_record
from kefu.exchange.wallet.amounts import AmountError, parse_amount
from kefu.exchange.wallet.models import Deposit, EntryKind, Network
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.ledger import ledger_move
from kefu.exchange.wallet.services.lock_objects import balance_for_update


@transaction.atomic
def deposit_credit(*, customer_id: int, network_id: int, amount: str | Decimal,
                   external_id: str, actor_label: str = "system",
                   actor: AbstractBaseUser | None = None) -> tuple[Deposit, bool]:
    """Credit a deposit once per (network, external id). Returns (deposit, created)."""
    network = Network.objects.select_related("asset").get(pk=network_id)
    try:
        value = parse_amount(str(amount), precision=network.asset.precision)
    except AmountError as exc:
        raise WalletError(f"amount_{exc.code}", exc.message, field="amount") from None
    external_id = external_id.strip()
    if not external_id or len(external_id) > 130:
        raise WalletError("external_id_invalid", _("Give the deposit's transaction id."))
    balance = balance_for_update(customer_id=customer_id, asset_id=network.asset_id)
    existing = Deposit.objects.filter(network=network, external_id=external_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    deposit = Deposit.objects.create(customer_id=customer_id, asset_id=network.asset_id,
                                     network=network, amount=value, external_id=external_id,
                                     created_at=now)
    ledger_move(balance, kind=EntryKind.DEPOSIT, now=now, available=value, deposit=deposit)
    audit_record(actor=actor, action="wallet.deposit_credit", target=deposit,
                 system_label=actor_label,
                 data={"amount": str(value), "asset": network.asset.code,
                       "network": network.code})
    return deposit, True
