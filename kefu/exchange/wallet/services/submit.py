"""Submitting a withdrawal: every check, then amount + fee move from available to in flight.

``withdrawal_submit`` is the customer's form; ``withdrawal_retry`` and
``withdrawal_resubmit`` start a new withdrawal in place of a failed one (the failed one
keeps its history; ``replaces`` links the two, at most once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.audit import audit_record
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer, CustomerState
from kefu.exchange.accounts.services.twofa import sensitive_check
from kefu.exchange.wallet import conf
from kefu.exchange.wallet.addresses import AddressError, validate_address, validate_memo
from kefu.exchange.wallet.amounts import AmountError, parse_amount
from kefu.exchange.wallet.models import (
    ENDED_RETURNED,
    AddressBookEntry,
    EntryKind,
    Network,
    NetworkState,
    WalletPreferences,
    Withdrawal,
    WithdrawalState,
)
from kefu.exchange.wallet.reasons import ADDRESS_FIXABLE, TRANSIENT, FailureReason
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.ledger import ledger_move
from kefu.exchange.wallet.services.lock_objects import balance_for_update, customer_for_update

MAX_KEY_CHARS = 64


@dataclass(frozen=True)
class Checked:
    """A withdrawal request whose input is valid (account checks still to come)."""

    network: Network
    address: str
    memo: str
    amount: Decimal


def customer_label(customer: Customer) -> str:
    return f"customer:{customer.public_id}"


def network_check(network: Network) -> None:
    if network.state == NetworkState.SUSPENDED:
        raise WalletError.for_reason(FailureReason.NETWORK_SUSPENDED, field="network")
    if network.state == NetworkState.MAINTENANCE:
        raise WalletError.for_reason(FailureReason.NETWORK_MAINTENANCE, field="network")


def input_check(*, network: Network, address: str, memo: str, amount: str) -> Checked:
    """Validate what the customer typed; no database write, no lock."""
    network_check(network)
    try:
        value = parse_amount(amount, precision=network.asset.precision)
    except AmountError as exc:
        raise WalletError(f"amount_{exc.code}", exc.message, field="amount") from None
    try:
        clean_address = validate_address(network.chain, address)
    except AddressError as exc:
        reason = (FailureReason.WRONG_NETWORK_ADDRESS if exc.is_other_network
                  else FailureReason.INVALID_ADDRESS)
        raise WalletError(reason.value, exc.message, field="address", reason=reason) from None
    try:
        clean_memo = validate_memo(network.chain, network.memo_rule, memo)
    except AddressError as exc:
        raise WalletError(FailureReason.MEMO_MISSING_OR_INVALID.value, exc.message,
                          field="memo", reason=FailureReason.MEMO_MISSING_OR_INVALID) from None
    if value < network.min_withdrawal:
        raise WalletError.for_reason(
            FailureReason.BELOW_MINIMUM, field="amount",
            message=_("The minimum withdrawal on this network is %(minimum)s %(asset)s.")
            % {"minimum": format_amount(network.min_withdrawal, network.asset.precision),
               "asset": network.asset.code},
        )
    return Checked(network, clean_address, clean_memo, value)


def format_amount(value: Decimal, precision: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-precision)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _account_check(customer: Customer, now: datetime) -> None:
    if customer.state == CustomerState.FROZEN:
        raise WalletError.for_reason(FailureReason.ACCOUNT_FROZEN)
    if customer.withdrawals_blocked(now):
        raise WalletError.for_reason(FailureReason.SECURITY_COOLDOWN)


def _saved_address_check(customer: Customer, checked: Checked, now: datetime) -> None:
    only_saved = WalletPreferences.objects.filter(
        customer=customer, saved_addresses_only=True).exists()
    if not only_saved:
        return
    entry = AddressBookEntry.objects.filter(
        customer=customer, network=checked.network, address=checked.address,
        memo=checked.memo).first()
    if entry is None or not entry.usable(now):
        raise WalletError.for_reason(FailureReason.ADDRESS_NOT_WHITELISTED, field="address")


def _limit_check(customer: Customer, checked: Checked, now: datetime) -> None:
    asset = checked.network.asset
    used = Withdrawal.objects.filter(
        customer=customer, asset=asset, created_at__gt=now - timedelta(hours=24),
    ).exclude(state__in=ENDED_RETURNED).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if used + checked.amount > asset.daily_limit:
        left = max(asset.daily_limit - used, Decimal(0))
        raise WalletError.for_reason(
            FailureReason.DAILY_LIMIT_EXCEEDED, field="amount",
            message=_("This would exceed your 24-hour limit of %(limit)s %(asset)s; "
                      "you can still withdraw %(left)s %(asset)s.")
            % {"limit": format_amount(asset.daily_limit, asset.precision),
               "left": format_amount(left, asset.precision), "asset": asset.code},
        )


def _existing(customer: Customer, key: str, checked: Checked | None) -> Withdrawal | None:
    found = Withdrawal.objects.filter(customer=customer, idempotency_key=key).first()
    if found is not None and checked is not None and (
        found.network_id != checked.network.pk or found.address != checked.address
        or found.memo != checked.memo or found.amount != checked.amount
    ):
        raise WalletError("idempotency_conflict",
                          _("This form was already used for a different withdrawal. "
                            "Reload the page and try again."))
    return found


def _create(customer: Customer, checked: Checked, *, key: str, now: datetime,
            replaces: Withdrawal | None) -> Withdrawal:
    """With the customer row locked and every account check passed: hold the funds."""
    from kefu.exchange.wallet.tasks import process_withdrawal

    _saved_address_check(customer, checked, now)
    _limit_check(customer, checked, now)
    network = checked.network
    balance = balance_for_update(customer_id=customer.pk, asset_id=network.asset_id)
    total = checked.amount + network.fee
    if balance.available < total:
        raise WalletError.for_reason(FailureReason.INSUFFICIENT_BALANCE, field="amount")
    withdrawal = Withdrawal.objects.create(
        customer=customer, asset_id=network.asset_id, network=network, idempotency_key=key,
        address=checked.address, memo=checked.memo, amount=checked.amount, fee=network.fee,
        replaces=replaces, created_at=now, updated_at=now,
    )
    ledger_move(balance, kind=EntryKind.WITHDRAWAL_HOLD, now=now, available=-total,
                in_flight=total, withdrawal=withdrawal)
    audit_record(actor=None, action="wallet.withdrawal_submit", target=withdrawal,
                 system_label=customer_label(customer),
                 data={"amount": str(checked.amount), "fee": str(network.fee),
                       "asset": network.asset.code, "network": network.code,
                       "replaces": str(replaces.public_id) if replaces else ""})
    process_withdrawal.enqueue(withdrawal_id=withdrawal.pk)
    return withdrawal


def _second_factor(customer: Customer, code: str, client: ClientInfo,
                   now: datetime) -> WalletError | None:
    if not customer.two_factor_enabled:
        if conf.require_two_factor():
            return WalletError("two_factor_required",
                               _("Turn on two-factor authentication before withdrawing."),
                               field="code")
        return None
    if not sensitive_check(customer, code, client, now):
        return WalletError("two_factor_invalid",
                           _("The verification code is wrong or expired."), field="code")
    return None


def _clean_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise WalletError("idempotency_key_invalid", _("Reload the page and try again."))
    return key


def withdrawal_submit(*, customer_id: int, network_id: int, address: str, memo: str,
                      amount: str, idempotency_key: str, two_factor_code: str,
                      client: ClientInfo) -> Withdrawal:
    """The customer's withdrawal. Same ``idempotency_key`` again → the same withdrawal."""
    key = _clean_key(idempotency_key)
    network = Network.objects.select_related("asset").get(pk=network_id)
    checked = input_check(network=network, address=address, memo=memo, amount=amount)
    return _submit(customer_id, checked, key=key, code=two_factor_code, client=client,
                   replaces=None)


def _submit(customer_id: int, checked: Checked, *, key: str, code: str | None,
            client: ClientInfo | None, replaces: Withdrawal | None) -> Withdrawal:
    refusal: WalletError | None = None
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        found = _existing(customer, key, checked)
        if found is not None:
            return found
        _account_check(customer, now)
        if code is not None and client is not None:
            refusal = _second_factor(customer, code, client, now)
        if refusal is None:
            return _create(customer, checked, key=key, now=now, replaces=replaces)
    # Outside the block so that the failed attempt (which counts towards lockout) commits.
    raise refusal


def _failed_for_replacement(customer_id: int, withdrawal_id: int) -> Withdrawal:
    old = Withdrawal.objects.select_related("network__asset").filter(
        pk=withdrawal_id, customer_id=customer_id).first()
    if old is None:
        raise WalletError("not_found", _("This withdrawal does not exist."))
    if old.state != WithdrawalState.FAILED:
        raise WalletError("not_failed", _("Only a failed withdrawal can be sent again."))
    return old


def withdrawal_retry(*, customer_id: int, withdrawal_id: int) -> Withdrawal:
    """Send a withdrawal that failed for a transient reason again, unchanged.

    The customer authorised this exact transfer with 2FA already; every other check
    (balance, limits, network state, freeze, cool-down) runs again. Repeating the call
    returns the same new withdrawal.
    """
    old = _failed_for_replacement(customer_id, withdrawal_id)
    if old.failure_reason not in TRANSIENT:
        raise WalletError("not_retryable",
                          _("This failure will not go away by retrying; see what to do below."))
    existing = Withdrawal.objects.filter(replaces=old).first()
    if existing is not None:
        return existing
    network_check(old.network)
    checked = Checked(old.network, old.address, old.memo, old.amount)
    return _submit(customer_id, checked, key=f"retry:{old.public_id}", code=None, client=None,
                   replaces=old)


def withdrawal_resubmit(*, customer_id: int, withdrawal_id: int, address: str, memo: str,
                        two_factor_code: str, client: ClientInfo) -> Withdrawal:
    """Send a failed withdrawal again to a corrected address (2FA required)."""
    old = _failed_for_replacement(customer_id, withdrawal_id)
    if old.failure_reason not in ADDRESS_FIXABLE:
        raise WalletError("not_address_problem",
                          _("This withdrawal did not fail because of its address."))
    if Withdrawal.objects.filter(replaces=old).exists():
        raise WalletError("already_resubmitted", _("This withdrawal was already sent again."))
    amount = format_amount(old.amount, old.network.asset.precision)
    checked = input_check(network=old.network, address=address, memo=memo, amount=amount)
    return _submit(customer_id, checked, key=f"resubmit:{old.public_id}", code=two_factor_code,
                   client=client, replaces=old)
