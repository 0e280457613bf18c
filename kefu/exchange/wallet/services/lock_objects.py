"""Row locks of the wallet, always taken in this order: customer → balances → withdrawal.

Each function returns rows locked with ``select_for_update`` (ordered by primary key
when there are several), and must be called inside a transaction.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Balance, Withdrawal


def customer_for_update(customer_id: int) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer_id)


def balance_for_update(*, customer_id: int, asset_id: int) -> Balance:
    """The customer's balance row for the asset, created (empty) if missing, then locked."""
    Balance.objects.get_or_create(customer_id=customer_id, asset_id=asset_id)
    return Balance.objects.select_for_update().get(customer_id=customer_id, asset_id=asset_id)


def balances_for_update(ids: list[int]) -> QuerySet[Balance]:
    return Balance.objects.select_for_update().filter(pk__in=ids).order_by("pk")


def withdrawal_for_update(withdrawal_id: int) -> Withdrawal:
    return (Withdrawal.objects.select_for_update(of=("self",))
            .select_related("network", "asset").get(pk=withdrawal_id))


def withdrawal_with_balance_for_update(withdrawal_id: int) -> tuple[Balance, Withdrawal]:
    """Lock the withdrawal's balance, then the withdrawal itself (the fixed order)."""
    customer_id, asset_id = Withdrawal.objects.values_list(
        "customer_id", "asset_id").get(pk=withdrawal_id)
    balance = balance_for_update(customer_id=customer_id, asset_id=asset_id)
    return balance, withdrawal_for_update(withdrawal_id)
