"""Contact channels' live status and the official-channel check (implemented separately)."""

from __future__ import annotations

from typing import Any


def channel_statuses() -> list[Any]:
    raise NotImplementedError


def verify_identifier(value: str) -> Any:
    raise NotImplementedError
