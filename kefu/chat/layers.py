"""The in-memory channel layer of a single-process install, without a sweep per message.

Channels' ``InMemoryChannelLayer`` looks through every channel and every group for
expired messages and memberships on each send and each receive: with 1,000 connections
that scan was half of the event loop's time under chat load. Expiry is housekeeping
(messages live 60 s, memberships a day), so here it runs at most once a second.
"""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer

SWEEP_SECONDS = 1.0


class InMemoryChannelLayer(StockInMemoryChannelLayer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.time()  # wall clock, as the stock expiry stamps are
        if 0 <= now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
