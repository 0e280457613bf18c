"""Refused withdrawals: a clear reason, and nothing changed (no row, no ledger entry)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import (
    AddressBookEntry,
    LedgerEntry,
    Network,
    NetworkState,
    Withdrawal,
)
from kefu.exchange.wallet.reasons import FailureReason
from kefu.exchange.wallet.services.addressbook import address_save, saved_addresses_only_set
from kefu.exchange.wallet.services.errors import WalletError

from .conftest import (
    CLIENT,
    ETH_ADDRESS,
    TRON_ADDRESS,
    XRP_ADDRESS,
    Submit,
    balance_of,
    fresh_code,
    make_customer,
)

pytestmark = pytest.mark.django_db


def refused(submit: Submit, customer: Customer, **kwargs: str) -> WalletError:
    entries_before = LedgerEntry.objects.count()
    balances_before = {a: balance_of(customer, a) for a in ("USDT", "BTC", "XRP")}
    with pytest.raises(WalletError) as caught:
        submit(customer, **kwargs)
    assert Withdrawal.objects.count() == 0
    assert LedgerEntry.objects.count() == entries_before
    assert {a: balance_of(customer, a) for a in ("USDT", "BTC", "XRP")} == balances_before
    assert str(caught.value.message)
    return caught.value


@pytest.mark.parametrize(("amount", "code"), [
    ("-5", "amount_negative"), ("0", "amount_zero"), ("NaN", "amount_not_a_number"),
    ("Infinity", "amount_not_a_number"), ("1e2", "amount_exponent"),
    ("10.1234567", "amount_too_many_decimals"), ("1" + "0" * 20, "amount_too_large"),
    ("12,5", "amount_format"), ("", "amount_empty"),
])
def test_bad_amounts(funded: Customer, submit: Submit, amount: str, code: str) -> None:
    error = refused(submit, funded, amount=amount)
    assert (error.code, error.field) == (code, "amount")


@pytest.mark.parametrize(("address", "reason"), [
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", FailureReason.INVALID_ADDRESS),  # checksum
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t\u200b", FailureReason.INVALID_ADDRESS),
    ("TR7NHqjeKQxGTCi8q8 ZY4pL8otSzgjLj6t", FailureReason.INVALID_ADDRESS),
    (ETH_ADDRESS, FailureReason.WRONG_NETWORK_ADDRESS),
])
def test_bad_addresses(funded: Customer, submit: Submit, address: str,
                       reason: FailureReason) -> None:
    error = refused(submit, funded, address=address)
    assert (error.reason, error.field) == (reason, "address")


def test_wrong_case_eth_address(funded: Customer, submit: Submit) -> None:
    error = refused(submit, funded, network="ETH-ETH", amount="1",
                    address="0x742d35cC6634C0532925a3b844Bc454e4438f44e")
    assert error.reason == FailureReason.INVALID_ADDRESS
    assert "EIP-55" in str(error.message)


def test_missing_memo(funded: Customer, submit: Submit) -> None:
    error = refused(submit, funded, network="XRP-XRP", address=XRP_ADDRESS, amount="25")
    assert (error.reason, error.field) == (FailureReason.MEMO_MISSING_OR_INVALID, "memo")


def test_below_minimum(funded: Customer, submit: Submit) -> None:
    error = refused(submit, funded, amount="9.99")
    assert error.reason == FailureReason.BELOW_MINIMUM
    assert "10 USDT" in str(error.message)


def test_balance_must_cover_the_fee(funded: Customer, submit: Submit) -> None:
    # 1000 available; 1000 + 1 fee does not fit.
    error = refused(submit, funded, amount="1000")
    assert error.reason == FailureReason.INSUFFICIENT_BALANCE
    assert submit(funded, amount="999").amount == Decimal(999)


def test_daily_limit(funded: Customer, networks: dict[str, Network], submit: Submit) -> None:
    asset = networks["USDT-TRX"].asset
    asset.daily_limit = Decimal(150)
    asset.save()
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        submit(funded, amount="100")
        with pytest.raises(WalletError) as caught:
            submit(funded, amount="60")
        assert caught.value.reason == FailureReason.DAILY_LIMIT_EXCEEDED
        assert "50 USDT" in str(caught.value.message)
        traveller.shift(timedelta(hours=24, seconds=1))
        submit(funded, amount="60")


@pytest.mark.parametrize(("state", "reason"), [
    (NetworkState.SUSPENDED, FailureReason.NETWORK_SUSPENDED),
    (NetworkState.MAINTENANCE, FailureReason.NETWORK_MAINTENANCE),
])
def test_network_state(funded: Customer, networks: dict[str, Network], submit: Submit,
                       state: NetworkState, reason: FailureReason) -> None:
    Network.objects.filter(pk=networks["USDT-TRX"].pk).update(state=state)
    error = refused(submit, funded)
    assert error.reason == reason


def test_security_cooldown(funded: Customer, submit: Submit) -> None:
    Customer.objects.filter(pk=funded.pk).update(
        withdrawal_cooldown_until=timezone.now() + timedelta(hours=3), cooldown_reason="x")
    assert refused(submit, funded).reason == FailureReason.SECURITY_COOLDOWN


def test_frozen_account(funded: Customer, submit: Submit) -> None:
    Customer.objects.filter(pk=funded.pk).update(state="frozen")
    assert refused(submit, funded).reason == FailureReason.ACCOUNT_FROZEN


def test_wrong_2fa_code_is_refused_and_counted(funded: Customer, submit: Submit) -> None:
    error = refused(submit, funded, code="000000")
    assert (error.code, error.field) == ("two_factor_invalid", "code")
    funded.refresh_from_db()
    assert funded.failed_logins == 1  # the failure committed although nothing else did


def test_2fa_is_required(networks: dict[str, Network], submit: Submit) -> None:
    from .conftest import fund

    customer = make_customer("no2fa@example.com", with_2fa=False)
    fund(customer, networks["USDT-TRX"], "1000")
    error = refused(submit, customer, code="123456")
    assert error.code == "two_factor_required"


def test_saved_addresses_only_and_the_hold(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        saved_addresses_only_set(customer_id=funded.pk, enabled=True, two_factor_code="",
                                 client=CLIENT)
        assert refused(submit, funded).reason == FailureReason.ADDRESS_NOT_WHITELISTED
        entry = address_save(customer_id=funded.pk, network_id=networks["USDT-TRX"].pk,
                             label="My cold wallet", address=TRON_ADDRESS, memo="",
                             two_factor_code=fresh_code(funded), client=CLIENT)
        assert entry.usable_after == timezone.now() + timedelta(hours=24)
        assert refused(submit, funded).reason == FailureReason.ADDRESS_NOT_WHITELISTED
        traveller.shift(timedelta(hours=24))
        assert submit(funded).address == TRON_ADDRESS


def test_hold_is_configurable(funded: Customer, networks: dict[str, Network],
                              settings: object) -> None:
    settings.KEFU_WALLET_ADDRESS_HOLD_HOURS = 2  # type: ignore[attr-defined]
    entry = address_save(customer_id=funded.pk, network_id=networks["USDT-TRX"].pk,
                         label="x", address=TRON_ADDRESS, memo="",
                         two_factor_code=fresh_code(funded), client=CLIENT)
    assert entry.usable_after - entry.created_at == timedelta(hours=2)


def test_turning_saved_only_off_needs_2fa(funded: Customer) -> None:
    saved_addresses_only_set(customer_id=funded.pk, enabled=True, two_factor_code="",
                             client=CLIENT)
    with pytest.raises(WalletError):
        saved_addresses_only_set(customer_id=funded.pk, enabled=False,
                                 two_factor_code="000000", client=CLIENT)
    saved_addresses_only_set(customer_id=funded.pk, enabled=False,
                             two_factor_code=fresh_code(funded), client=CLIENT)


def test_saving_an_invalid_address_is_refused(funded: Customer,
                                              networks: dict[str, Network]) -> None:
    with pytest.raises(WalletError) as caught:
        address_save(customer_id=funded.pk, network_id=networks["USDT-TRX"].pk, label="x",
                     address=ETH_ADDRESS, memo="", two_factor_code=fresh_code(funded),
                     client=CLIENT)
    assert caught.value.code == "other_network"
    assert not AddressBookEntry.objects.exists()
