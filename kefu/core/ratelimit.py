"""Fixed-window hit counters in the shared cache (Redis when configured, so every app
process counts together)."""

from __future__ import annotations

import time

from django.core.cache import cache


def window_hits(key: str, *, window: int, cost: int = 1) -> int:
    """Add ``cost`` to ``key``'s counter for the current ``window``-second window and
    return the total so far."""
    bucket = f"kefu.rl:{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, window + 5)
    try:
        return int(cache.incr(bucket, cost))
    except ValueError:  # expired between add and incr
        cache.set(bucket, cost, window + 5)
        return cost
