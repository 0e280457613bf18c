"""Admin: configure assets and networks; look at (never edit) balances, ledger, transfers.

Balances change only through the services, so the money models are read-only here; the
demo credits deposits with an action on balances (or ``manage.py wallet_credit_deposit``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.models import (
    AddressBookEntry,
    Asset,
    Balance,
    Deposit,
    LedgerEntry,
    Network,
    Withdrawal,
)
from kefu.exchange.wallet.services.deposits import deposit_credit
from kefu.exchange.wallet.services.errors import WalletError


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NetworkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Network
    extra = 0
    fields = ["code", "display_name", "chain", "min_withdrawal", "fee", "confirmations",
              "memo_rule", "state"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "precision", "daily_limit", "display_order"]
    inlines = [NetworkInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "chain", "min_withdrawal", "fee", "confirmations", "memo_rule",
                    "state", "simulator"]
    list_editable = ["state", "simulator"]
    list_filter = ["state", "chain", "asset"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["customer", "asset", "available", "in_flight"]
    list_filter = ["asset"]
    search_fields = ["customer__email", "customer__phone"]
    actions = ["credit_demo_deposit"]

    @admin.action(description=_("Credit a demo deposit (100 × the minimum withdrawal)"))
    def credit_demo_deposit(self, request: HttpRequest, queryset: QuerySet[Balance]) -> None:
        if not settings.KEFU_DEMO:
            self.message_user(request, _("Only in the demo."), messages.ERROR)
            return
        done = 0
        for balance in queryset.select_related("asset"):
            network = Network.objects.filter(asset=balance.asset).first()
            if network is None:
                continue
            try:
                deposit_credit(customer_id=balance.customer_id, network_id=network.pk,
                               amount=str(network.min_withdrawal * 100),
                               external_id=f"admin:{uuid.uuid4().hex}",
                               actor_label=request.user.get_username(),
                               actor=request.user)  # type: ignore[arg-type]
            except WalletError as error:
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)d deposit(s) credited.") % {"count": done})


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "balance", "bucket", "kind", "amount"]
    list_filter = ["kind", "bucket"]


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "asset", "network", "amount", "state"]
    list_filter = ["asset", "state"]


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "asset", "network", "amount", "state",
                    "failure_reason", "attempts"]
    list_filter = ["state", "failure_reason", "asset"]
    search_fields = ["public_id", "address", "tx_hash"]


@admin.register(AddressBookEntry)
class AddressBookEntryAdmin(ReadOnlyAdmin):
    list_display = ["customer", "label", "network", "address", "usable_after"]
