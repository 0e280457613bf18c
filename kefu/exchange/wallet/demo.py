"""Demo data: the seeded assets and networks, and deposits for a demo customer.

``seed_demo_wallet(customer)`` is safe to run any number of times: assets and networks are
created when missing (admin edits are kept), and each demo deposit has a fixed transaction
id, so it is credited once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Asset, ChainKind, MemoRule, Network
from kefu.exchange.wallet.services.deposits import deposit_credit


@dataclass(frozen=True)
class _Net:
    asset: str
    code: str
    chain: ChainKind
    display_name: str
    min_withdrawal: str
    fee: str
    confirmations: int
    explorer: str
    demo_deposit: str
    memo_rule: MemoRule = MemoRule.NONE


ASSETS = [
    # code, name, decimal places, daily limit per customer
    ("BTC", "Bitcoin", 8, "5"),
    ("ETH", "Ether", 8, "100"),
    ("USDT", "Tether USD", 6, "100000"),
    ("TRX", "TRON", 6, "1000000"),
    ("SOL", "Solana", 9, "5000"),
    ("XRP", "XRP", 6, "200000"),
]

NETWORKS = [
    _Net("BTC", "BTC", ChainKind.BITCOIN, "Bitcoin", "0.0005", "0.0002", 2,
         "https://mempool.space/tx/{tx}", "0.5"),
    _Net("ETH", "ETH", ChainKind.ETHEREUM, "Ethereum (ERC-20)", "0.01", "0.002", 12,
         "https://etherscan.io/tx/{tx}", "5"),
    _Net("USDT", "ETH", ChainKind.ETHEREUM, "Ethereum (ERC-20)", "10", "4", 12,
         "https://etherscan.io/tx/{tx}", "2500"),
    _Net("USDT", "TRX", ChainKind.TRON, "Tron (TRC-20)", "10", "1", 20,
         "https://tronscan.org/#/transaction/{tx}", "2500"),
    _Net("TRX", "TRX", ChainKind.TRON, "Tron (TRC-20)", "10", "1", 20,
         "https://tronscan.org/#/transaction/{tx}", "10000"),
    _Net("SOL", "SOL", ChainKind.SOLANA, "Solana", "0.1", "0.01", 1,
         "https://solscan.io/tx/{tx}", "50"),
    _Net("USDT", "SOL", ChainKind.SOLANA, "Solana (SPL)", "10", "1", 1,
         "https://solscan.io/tx/{tx}", "1000"),
    _Net("XRP", "XRP", ChainKind.XRP, "XRP Ledger", "20", "0.25", 1,
         "https://xrpscan.com/tx/{tx}", "3000", MemoRule.REQUIRED),
]


@transaction.atomic
def seed_assets() -> list[Network]:
    """Create the demo assets and networks that do not exist yet."""
    assets: dict[str, Asset] = {}
    for order, (code, name, precision, limit) in enumerate(ASSETS):
        assets[code], _ = Asset.objects.get_or_create(
            code=code, defaults={"name": name, "precision": precision,
                                 "daily_limit": Decimal(limit), "display_order": order})
    networks = []
    for order, net in enumerate(NETWORKS):
        network, _ = Network.objects.get_or_create(
            asset=assets[net.asset], code=net.code,
            defaults={"chain": net.chain, "display_name": net.display_name,
                      "min_withdrawal": Decimal(net.min_withdrawal), "fee": Decimal(net.fee),
                      "confirmations": net.confirmations, "memo_rule": net.memo_rule,
                      "explorer_tx_url": net.explorer, "display_order": order})
        networks.append(network)
    return networks


def seed_demo_wallet(customer: Customer) -> None:
    """Assets, networks, and one credited demo deposit per network for ``customer``."""
    by_key = {(n.asset, n.code): n for n in NETWORKS}
    for network in seed_assets():
        spec = by_key.get((network.asset.code, network.code))
        if spec is None:
            continue
        deposit_credit(customer_id=customer.pk, network_id=network.pk, amount=spec.demo_deposit,
                       external_id=f"demo:{customer.public_id}:{network.asset.code}:{network.code}",
                       actor_label="seed_demo")
