"""Models of the built-in exchange's wallet: assets, networks, ledger, transfers."""

from kefu.exchange.wallet.models.addressbook import AddressBookEntry, WalletPreferences
from kefu.exchange.wallet.models.assets import (
    Asset,
    ChainKind,
    MemoRule,
    Network,
    NetworkState,
)
from kefu.exchange.wallet.models.ledger import Balance, Bucket, EntryKind, LedgerEntry
from kefu.exchange.wallet.models.transfers import (
    CANCELLABLE,
    ENDED,
    ENDED_RETURNED,
    Deposit,
    DepositState,
    Withdrawal,
    WithdrawalState,
)

__all__ = [
    "CANCELLABLE",
    "ENDED",
    "ENDED_RETURNED",
    "AddressBookEntry",
    "Asset",
    "Balance",
    "Bucket",
    "ChainKind",
    "Deposit",
    "DepositState",
    "EntryKind",
    "LedgerEntry",
    "MemoRule",
    "Network",
    "NetworkState",
    "WalletPreferences",
    "Withdrawal",
    "WithdrawalState",
]
