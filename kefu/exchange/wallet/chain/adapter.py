"""The interface between withdrawals and a chain (a node, a custody service, a simulator).

The services call an adapter outside any database transaction: a node may take seconds to
answer, and no row lock is held while it does. Every call is keyed by the withdrawal's
public id, so an adapter can make a repeated broadcast (after a crash or a retry)
idempotent on its side.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib import import_module
from typing import Literal, Protocol

from django.conf import settings

from kefu.exchange.wallet.reasons import FailureReason


@dataclass(frozen=True)
class TransferRequest:
    withdrawal_id: uuid.UUID
    chain: str
    network_code: str
    asset_code: str
    address: str
    memo: str
    amount: Decimal
    # The simulator reads its script from here; real adapters ignore it.
    simulator: str = "success"
    attempt: int = 1


@dataclass(frozen=True)
class RiskDecision:
    hold: bool
    note: str = ""


@dataclass(frozen=True)
class BroadcastResult:
    outcome: Literal["sent", "transient", "failed"]
    tx_hash: str = ""
    reason: FailureReason | None = None
    detail: str = ""


@dataclass(frozen=True)
class ConfirmationStatus:
    confirmations: int
    # Dropped or reverted after broadcast (a re-org, an out-of-gas): the funds return.
    failed: bool = False
    detail: str = ""


class ChainAdapter(Protocol):
    def risk_check(self, request: TransferRequest) -> RiskDecision: ...

    def broadcast(self, request: TransferRequest) -> BroadcastResult: ...

    def confirmations(self, request: TransferRequest, *, tx_hash: str,
                      broadcast_at: datetime, now: datetime) -> ConfirmationStatus: ...


def get_adapter() -> ChainAdapter:
    """The adapter named by ``KEFU_WALLET_CHAIN_ADAPTER`` (dotted path to a class)."""
    path: str = getattr(
        settings, "KEFU_WALLET_CHAIN_ADAPTER",
        "kefu.exchange.wallet.chain.simulated.SimulatedChainAdapter",
    )
    module_name, _, class_name = path.rpartition(".")
    adapter_class: type[ChainAdapter] = getattr(import_module(module_name), class_name)
    return adapter_class()
