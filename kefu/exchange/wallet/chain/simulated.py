"""SimulatedChainAdapter: a pretend chain with deterministic outcomes, for the demo and tests.

Nothing here talks to a network. The outcome of a withdrawal is a *script*, taken from
(first match wins):

1. ``SCENARIO_ADDRESSES`` below: a few well-known valid addresses that always produce the
   same outcome, so the demo can show each failure by picking an address;
2. the network's ``simulator`` field (editable in the admin), default ``success``.

Scripts:

``success``        broadcast at once, confirmed on the first check;
``slow``           broadcast at once; one confirmation per ``SLOW_SECONDS_PER_CONFIRMATION``;
``transient:N``    node error on the first N attempts, then success;
``dropped``        broadcast, then reported failed on-chain (a node error after broadcast);
``<reason code>``  fails with that reason from the taxonomy (``risk_review_hold`` holds the
                   withdrawal for review instead; ``node_error`` fails on every attempt).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kefu.exchange.wallet.chain.adapter import (
    BroadcastResult,
    ConfirmationStatus,
    RiskDecision,
    TransferRequest,
)
from kefu.exchange.wallet.reasons import FailureReason

SLOW_SECONDS_PER_CONFIRMATION = 60

SCENARIO_ADDRESSES: dict[str, str] = {
    # Tron: USDT's own contract address; sending to it is a classic mistake.
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t": FailureReason.INVALID_ADDRESS,
    # Ethereum: the zero address.
    "0x0000000000000000000000000000000000000000": FailureReason.INVALID_ADDRESS,
    # Ethereum: Vitalik Buterin's public address → node errors twice, then goes through.
    "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045": "transient:2",
    # Bitcoin: the genesis block's coinbase address → slow confirmations.
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa": "slow",
    # Solana: the system program → held for risk review.
    "11111111111111111111111111111111": FailureReason.RISK_REVIEW_HOLD,
}


def script_for(request: TransferRequest) -> str:
    return SCENARIO_ADDRESSES.get(request.address, request.simulator or "success")


def is_valid_script(script: str) -> bool:
    if script in {"success", "slow", "dropped"}:
        return True
    if script.startswith("transient:"):
        return script.removeprefix("transient:").isdigit()
    return script in FailureReason.values


def _tx_hash(request: TransferRequest) -> str:
    digest = hashlib.sha256(f"kefu-sim:{request.withdrawal_id}".encode()).hexdigest()
    return f"0x{digest}" if request.chain in {"ethereum"} else digest


class SimulatedChainAdapter:
    """Deterministic: the same request always gives the same answer."""

    def risk_check(self, request: TransferRequest) -> RiskDecision:
        if script_for(request) == FailureReason.RISK_REVIEW_HOLD:
            return RiskDecision(hold=True, note="simulated risk hold")
        return RiskDecision(hold=False)

    def broadcast(self, request: TransferRequest) -> BroadcastResult:
        script = script_for(request)
        if script.startswith("transient:"):
            failures = int(script.removeprefix("transient:"))
            if request.attempt <= failures:
                return BroadcastResult("transient", reason=FailureReason.NODE_ERROR,
                                       detail=f"simulated node timeout ({request.attempt})")
            script = "success"
        if script == FailureReason.NODE_ERROR:
            return BroadcastResult("transient", reason=FailureReason.NODE_ERROR,
                                   detail="simulated node unreachable")
        if script in {"success", "slow", "dropped", FailureReason.RISK_REVIEW_HOLD}:
            return BroadcastResult("sent", tx_hash=_tx_hash(request))
        return BroadcastResult("failed", reason=FailureReason(script),
                               detail=f"simulated rejection: {script}")

    def confirmations(self, request: TransferRequest, *, tx_hash: str,
                      broadcast_at: datetime, now: datetime) -> ConfirmationStatus:
        script = script_for(request)
        if script == "dropped":
            return ConfirmationStatus(0, failed=True, detail="simulated: dropped from mempool")
        if script == "slow":
            elapsed = max((now - broadcast_at).total_seconds(), 0)
            return ConfirmationStatus(int(elapsed // SLOW_SECONDS_PER_CONFIRMATION))
        return ConfirmationStatus(10**6)
