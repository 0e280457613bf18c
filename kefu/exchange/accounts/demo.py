"""Demo data: one customer a visitor can sign in as (called by the seed_demo command)."""

from __future__ import annotations

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.services.signup import customer_sign_up

DEMO_EMAIL = "demo@demo-exchange.example"
DEMO_PASSWORD = "demo-exchange-2026"  # noqa: S105 - printed for demo visitors on purpose


def seed_demo_customer() -> tuple[str, str]:
    """Create the demo customer once; return (email, password) to print."""
    if not Customer.objects.filter(email=DEMO_EMAIL).exists():
        customer_sign_up(identifier=DEMO_EMAIL, password=DEMO_PASSWORD, language="zh-hans",
                         client=ClientInfo(ip=None))
    return DEMO_EMAIL, DEMO_PASSWORD
