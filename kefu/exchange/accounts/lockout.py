"""The lockout rule as pure functions over a failure counter, used for every kind of key.

The same rule counts wrong passwords of a customer, of an identifier that matches no
account (so both lock alike and the page never reveals which exists) and of an IP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings


@dataclass(frozen=True)
class Policy:
    max_failures: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def for_accounts(cls) -> Policy:
        return cls(
            max_failures=settings.KEFU_LOGIN_MAX_FAILURES,
            window=timedelta(minutes=settings.KEFU_LOGIN_WINDOW_MINUTES),
            lockout=timedelta(minutes=settings.KEFU_LOCKOUT_MINUTES),
        )

    @classmethod
    def for_ips(cls) -> Policy:
        window = timedelta(minutes=settings.KEFU_LOGIN_WINDOW_MINUTES)
        return cls(max_failures=settings.KEFU_LOGIN_IP_MAX_FAILURES, window=window, lockout=window)


@dataclass(frozen=True)
class Counter:
    failures: int
    window_started_at: datetime | None
    locked_until: datetime | None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def after_failure(counter: Counter, now: datetime, policy: Policy) -> Counter:
    """Count one failure; the one that reaches the limit starts the lock."""
    if counter.window_started_at is None or now - counter.window_started_at >= policy.window:
        failures, started = 1, now
    else:
        failures, started = counter.failures + 1, counter.window_started_at
    if failures >= policy.max_failures:
        return Counter(failures=0, window_started_at=None, locked_until=now + policy.lockout)
    return Counter(failures=failures, window_started_at=started, locked_until=counter.locked_until)


CLEARED = Counter(failures=0, window_started_at=None, locked_until=None)
