"""How withdrawals reach a blockchain: the adapter interface and the built-in simulator."""

from kefu.exchange.wallet.chain.adapter import (
    BroadcastResult,
    ChainAdapter,
    ConfirmationStatus,
    RiskDecision,
    TransferRequest,
    get_adapter,
)

__all__ = [
    "BroadcastResult",
    "ChainAdapter",
    "ConfirmationStatus",
    "RiskDecision",
    "TransferRequest",
    "get_adapter",
]
