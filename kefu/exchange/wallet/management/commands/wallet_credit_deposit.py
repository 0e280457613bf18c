"""Credit a deposit to a customer (the demo's stand-in for a chain watcher)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Network
from kefu.exchange.wallet.services.deposits import deposit_credit
from kefu.exchange.wallet.services.errors import WalletError


class Command(BaseCommand):
    help = "Credit a deposit: wallet_credit_deposit EMAIL_OR_PHONE ASSET NETWORK AMOUNT [--tx ID]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", help="email or phone of the customer")
        parser.add_argument("asset", help="asset code, e.g. USDT")
        parser.add_argument("network", help="network code, e.g. TRX")
        parser.add_argument("amount", help="plain decimal amount, e.g. 250.5")
        parser.add_argument("--tx", default="", help="transaction id (idempotency); random if "
                                                     "omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        who = options["customer"].strip()
        customer = Customer.objects.filter(Q(email__iexact=who) | Q(phone=who)).first()
        if customer is None:
            raise CommandError(f"no customer {who!r}")
        network = Network.objects.filter(asset__code=options["asset"].upper(),
                                         code=options["network"].upper()).first()
        if network is None:
            raise CommandError(f"no network {options['asset']}/{options['network']}")
        try:
            deposit, created = deposit_credit(
                customer_id=customer.pk, network_id=network.pk, amount=options["amount"],
                external_id=options["tx"] or f"cli:{uuid.uuid4().hex}",
                actor_label="manage.py wallet_credit_deposit")
        except WalletError as error:
            raise CommandError(str(error.message)) from None
        verb = "credited" if created else "already credited"
        self.stdout.write(f"{verb}: {deposit.amount} {network.asset.code} on {network} "
                          f"to {customer} ({deposit.external_id})")
