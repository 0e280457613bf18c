"""Wallet settings, each with a default, read at call time (tests override them).

The names are ``KEFU_WALLET_*``; see docs/wallet.md for what each one does.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def address_hold() -> timedelta:
    """How long a newly saved address waits before withdrawals may use it."""
    hours: int = getattr(settings, "KEFU_WALLET_ADDRESS_HOLD_HOURS", 24)
    return timedelta(hours=hours)


def max_node_attempts() -> int:
    """Broadcast attempts on a transient node error before the withdrawal fails."""
    attempts: int = getattr(settings, "KEFU_WALLET_MAX_NODE_ATTEMPTS", 5)
    return attempts


def retry_backoff_seconds(attempt: int) -> float:
    """Delay before broadcast attempt ``attempt + 1``: exponential, capped at 10 minutes."""
    base: float = getattr(settings, "KEFU_WALLET_RETRY_BASE_SECONDS", 15.0)
    return float(min(base * 2 ** max(attempt - 1, 0), 600.0))


def confirm_poll_seconds() -> float:
    seconds: float = getattr(settings, "KEFU_WALLET_CONFIRM_POLL_SECONDS", 30.0)
    return seconds


def require_two_factor() -> bool:
    """Refuse withdrawals from accounts without any second factor (on by default)."""
    required: bool = getattr(settings, "KEFU_WALLET_REQUIRE_2FA", True)
    return required
