"""Fixtures for wallet tests: a customer with 2FA, the demo networks, funded balances."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from django.db.models import Sum
from django.utils import timezone

from kefu.core import totp
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer, TotpDevice
from kefu.exchange.accounts.services.signup import customer_sign_up
from kefu.exchange.accounts.services.twofa import totp_enable
from kefu.exchange.wallet.demo import seed_assets
from kefu.exchange.wallet.models import Balance, Bucket, LedgerEntry, Network, Withdrawal
from kefu.exchange.wallet.services.deposits import deposit_credit
from kefu.exchange.wallet.services.submit import withdrawal_submit

PASSWORD = "correct horse battery 9"
CLIENT = ClientInfo(ip="203.0.113.9", user_agent="pytest", device_token="wallet-tests")

# Well-known public addresses, one per network family.
BTC_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
ETH_ADDRESS = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e"
TRON_ADDRESS = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
SOL_ADDRESS = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
XRP_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"


def make_customer(identifier: str = "wallet@example.com", *, with_2fa: bool = True) -> Customer:
    customer = customer_sign_up(identifier=identifier, password=PASSWORD, language="en",
                                client=CLIENT)
    if with_2fa:
        secret = totp.new_secret()
        assert totp_enable(customer_id=customer.pk, secret=secret,
                           code=pyotp.TOTP(secret).now(), client=CLIENT) is not None
    return customer


def fresh_code(customer: Customer) -> str:
    """A TOTP code the account accepts now (replay protection reset for the test)."""
    device = TotpDevice.objects.get(customer=customer)
    TotpDevice.objects.filter(pk=device.pk).update(last_step=0)
    return pyotp.TOTP(device.secret).at(timezone.now())


@pytest.fixture
def networks(db: None) -> dict[str, Network]:
    """Demo networks keyed "USDT-TRX", "BTC-BTC", ..."""
    return {f"{n.asset.code}-{n.code}": n for n in seed_assets()}


@pytest.fixture
def customer(db: None) -> Customer:
    return make_customer()


def fund(customer: Customer, network: Network, amount: str, ref: str = "") -> None:
    deposit_credit(customer_id=customer.pk, network_id=network.pk, amount=amount,
                   external_id=ref or f"test:{customer.pk}:{network.pk}:{amount}")


@pytest.fixture
def funded(customer: Customer, networks: dict[str, Network]) -> Customer:
    fund(customer, networks["USDT-TRX"], "1000")
    fund(customer, networks["BTC-BTC"], "1")
    fund(customer, networks["XRP-XRP"], "500")
    fund(customer, networks["ETH-ETH"], "10")
    fund(customer, networks["SOL-SOL"], "100")
    return customer


Submit = Callable[..., Withdrawal]


@pytest.fixture
def commits(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """``with commits():`` runs the tasks deferred to after commit, as production would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def submit(networks: dict[str, Network], commits: Callable[[], AbstractContextManager[Any]]
           ) -> Submit:
    counter = iter(range(1, 10**6))

    def do(customer: Customer, network: str = "USDT-TRX", *, address: str = TRON_ADDRESS,
           amount: str = "100", memo: str = "", key: str = "", code: str | None = None
           ) -> Withdrawal:
        with commits():
            withdrawal = withdrawal_submit(
                customer_id=customer.pk, network_id=networks[network].pk, address=address,
                memo=memo, amount=amount, idempotency_key=key or f"k{next(counter)}",
                two_factor_code=fresh_code(customer) if code is None else code, client=CLIENT)
        withdrawal.refresh_from_db()
        return withdrawal

    return do


def balance_of(customer: Customer, asset: str) -> tuple[Decimal, Decimal]:
    row = Balance.objects.filter(customer=customer, asset__code=asset).first()
    return (row.available, row.in_flight) if row else (Decimal(0), Decimal(0))


def assert_ledger_matches_balances() -> None:
    """The invariant: for every balance, its entries sum to each bucket."""
    for balance in Balance.objects.all():
        sums = {
            bucket: LedgerEntry.objects.filter(balance=balance, bucket=bucket)
            .aggregate(s=Sum("amount"))["s"] or Decimal(0)
            for bucket in (Bucket.AVAILABLE, Bucket.IN_FLIGHT)
        }
        assert sums[Bucket.AVAILABLE] == balance.available, balance
        assert sums[Bucket.IN_FLIGHT] == balance.in_flight, balance
        assert balance.available >= 0
        assert balance.in_flight >= 0
