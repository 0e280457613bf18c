from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str


class SmsError(Exception):
    """Sending failed. ``permanent`` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Hand the message to the provider; return the provider's message id."""
        ...
