"""Withdrawals end to end through the simulated chain: states, funds, reasons, retries."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.utils import translation

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet import conf
from kefu.exchange.wallet.models import LedgerEntry, Network, Withdrawal, WithdrawalState
from kefu.exchange.wallet.reasons import FailureReason, reason_text
from kefu.exchange.wallet.services.ending import (
    withdrawal_approve,
    withdrawal_cancel,
    withdrawal_fail,
    withdrawal_reject,
)
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.processing import withdrawal_confirm, withdrawal_process
from kefu.exchange.wallet.services.submit import withdrawal_resubmit, withdrawal_retry

from .conftest import (
    CLIENT,
    ETH_ADDRESS,
    TRON_ADDRESS,
    XRP_ADDRESS,
    Submit,
    assert_ledger_matches_balances,
    balance_of,
    fresh_code,
)

pytestmark = pytest.mark.django_db
Commits = Callable[[], AbstractContextManager[Any]]


def set_script(network: Network, script: str) -> None:
    network.simulator = script
    network.save(update_fields=["simulator"])


def test_a_withdrawal_goes_through_and_the_funds_leave(funded: Customer, submit: Submit) -> None:
    withdrawal = submit(funded, amount="100")
    assert withdrawal.state == WithdrawalState.COMPLETED
    assert withdrawal.tx_hash
    assert withdrawal.explorer_url == f"https://tronscan.org/#/transaction/{withdrawal.tx_hash}"
    assert withdrawal.fee == Decimal(1)
    assert balance_of(funded, "USDT") == (Decimal(899), Decimal(0))
    kinds = list(LedgerEntry.objects.filter(withdrawal=withdrawal)
                 .order_by("id").values_list("kind", "bucket", "amount"))
    assert kinds == [("withdrawal_hold", "available", Decimal(-101)),
                     ("withdrawal_hold", "in_flight", Decimal(101)),
                     ("withdrawal_sent", "in_flight", Decimal(-101))]
    actions = set(AuditEntry.objects.filter(target_id=str(withdrawal.pk))
                  .values_list("action", flat=True))
    assert {"wallet.withdrawal_submit", "wallet.withdrawal_broadcast",
            "wallet.withdrawal_complete"} <= actions
    assert_ledger_matches_balances()


@pytest.mark.parametrize(("network", "address", "memo", "amount"), [
    ("BTC-BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "", "0.01"),
    ("ETH-ETH", ETH_ADDRESS, "", "1"),
    ("USDT-ETH", ETH_ADDRESS, "", "50"),
    ("USDT-TRX", TRON_ADDRESS, "", "50"),
    ("TRX-TRX", TRON_ADDRESS, "", "50"),
    ("SOL-SOL", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "", "1"),
    ("USDT-SOL", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "", "50"),
    ("XRP-XRP", XRP_ADDRESS, "12345", "25"),
])
def test_every_seeded_network_completes(
    customer: Customer, networks: dict[str, Network], submit: Submit,
    network: str, address: str, memo: str, amount: str,
) -> None:
    from .conftest import fund

    fund(customer, networks[network], "1000")
    withdrawal = submit(customer, network, address=address, memo=memo, amount=amount)
    assert withdrawal.state == WithdrawalState.COMPLETED
    assert_ledger_matches_balances()


def test_same_idempotency_key_twice_gives_one_withdrawal(
    funded: Customer, submit: Submit
) -> None:
    first = submit(funded, key="form-123")
    second = submit(funded, key="form-123")
    assert first.pk == second.pk
    assert Withdrawal.objects.count() == 1
    assert balance_of(funded, "USDT")[0] == Decimal(899)


def test_same_key_with_other_details_is_refused(funded: Customer, submit: Submit) -> None:
    submit(funded, key="form-123", amount="100")
    with pytest.raises(WalletError) as caught:
        submit(funded, key="form-123", amount="200")
    assert caught.value.code == "idempotency_conflict"
    assert Withdrawal.objects.count() == 1


# Failures that the chain (simulated) reports after the funds were held.
CHAIN_FAILURES = [r for r in FailureReason if r not in {
    FailureReason.NODE_ERROR, FailureReason.RISK_REVIEW_HOLD}]


@pytest.mark.parametrize("reason", CHAIN_FAILURES)
def test_each_failure_reason_returns_the_funds_and_explains(
    funded: Customer, networks: dict[str, Network], submit: Submit, reason: FailureReason
) -> None:
    set_script(networks["USDT-TRX"], reason.value)
    withdrawal = submit(funded, amount="100")
    assert withdrawal.state == WithdrawalState.FAILED
    assert withdrawal.failure_reason == reason
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))
    assert LedgerEntry.objects.filter(withdrawal=withdrawal, kind="withdrawal_release").count() == 2
    assert_ledger_matches_balances()
    text = reason_text(withdrawal.failure_reason)
    with translation.override("en"):
        en = (str(text.title), str(text.explanation), str(text.next_step))
    with translation.override("zh-hans"):
        zh = (str(text.title), str(text.explanation), str(text.next_step))
    assert all(en)
    assert all(zh)
    assert en != zh, "every reason needs its Chinese text"


def test_every_reason_has_bilingual_texts() -> None:
    for reason in FailureReason:
        text = reason_text(reason)
        for part in (text.title, text.explanation, text.next_step):
            with translation.override("en"):
                en = str(part)
            with translation.override("zh-hans"):
                zh = str(part)
            assert en
            assert zh != en, (reason, en)


def test_transient_node_errors_are_retried_with_backoff(
    funded: Customer, networks: dict[str, Network], submit: Submit, commits: Commits,
) -> None:
    set_script(networks["USDT-TRX"], "transient:2")
    # Stop after the claim so each attempt can be observed.
    from kefu.exchange.wallet import tasks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "process_withdrawal", SimpleNamespace(enqueue=lambda **kw: None))
        withdrawal = submit(funded)
        assert withdrawal.state == WithdrawalState.SUBMITTED
        first = withdrawal_process(withdrawal_id=withdrawal.pk)
        withdrawal.refresh_from_db()
        assert first.again_in == conf.retry_backoff_seconds(1)
        assert withdrawal.is_retrying
        assert withdrawal.failure_reason == FailureReason.NODE_ERROR
        second = withdrawal_process(withdrawal_id=withdrawal.pk)
        assert second.again_in == conf.retry_backoff_seconds(2) > first.again_in
        third = withdrawal_process(withdrawal_id=withdrawal.pk)
    withdrawal.refresh_from_db()
    assert third.state == WithdrawalState.BROADCAST
    assert withdrawal.attempts == 3
    assert withdrawal.failure_reason == ""
    with commits():
        withdrawal_confirm(withdrawal_id=withdrawal.pk)
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.COMPLETED


def test_the_automatic_retries_run_through_the_task_queue(
    funded: Customer, networks: dict[str, Network], submit: Submit,
) -> None:
    set_script(networks["USDT-TRX"], "transient:3")
    withdrawal = submit(funded)
    assert withdrawal.state == WithdrawalState.COMPLETED
    assert withdrawal.attempts == 4


def test_persistent_node_errors_fail_and_the_customer_may_retry(
    funded: Customer, networks: dict[str, Network], submit: Submit, commits: Commits,
) -> None:
    set_script(networks["USDT-TRX"], "node_error")
    withdrawal = submit(funded)
    assert withdrawal.state == WithdrawalState.FAILED
    assert withdrawal.failure_reason == FailureReason.NODE_ERROR
    assert withdrawal.attempts == conf.max_node_attempts()
    assert withdrawal.can_retry
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))
    set_script(networks["USDT-TRX"], "success")
    with commits():
        again = withdrawal_retry(customer_id=funded.pk, withdrawal_id=withdrawal.pk)
    assert withdrawal_retry(customer_id=funded.pk, withdrawal_id=withdrawal.pk).pk == again.pk
    again.refresh_from_db()
    assert again.replaces_id == withdrawal.pk
    assert again.state == WithdrawalState.COMPLETED
    assert balance_of(funded, "USDT") == (Decimal(899), Decimal(0))
    assert_ledger_matches_balances()


def test_only_transient_failures_can_be_retried(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    set_script(networks["USDT-TRX"], FailureReason.INVALID_ADDRESS.value)
    withdrawal = submit(funded)
    with pytest.raises(WalletError) as caught:
        withdrawal_retry(customer_id=funded.pk, withdrawal_id=withdrawal.pk)
    assert caught.value.code == "not_retryable"


def test_a_bad_address_can_be_corrected_and_resubmitted_with_2fa(
    funded: Customer, networks: dict[str, Network], submit: Submit, commits: Commits,
) -> None:
    set_script(networks["USDT-TRX"], FailureReason.INVALID_ADDRESS.value)
    failed = submit(funded)
    set_script(networks["USDT-TRX"], "success")
    with pytest.raises(WalletError) as caught:
        withdrawal_resubmit(customer_id=funded.pk, withdrawal_id=failed.pk,
                            address="TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", memo="",
                            two_factor_code="000000", client=CLIENT)
    assert caught.value.code == "two_factor_invalid"
    with commits():
        fixed = withdrawal_resubmit(customer_id=funded.pk, withdrawal_id=failed.pk,
                                    address="TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", memo="",
                                    two_factor_code=fresh_code(funded), client=CLIENT)
    fixed.refresh_from_db()
    assert fixed.state == WithdrawalState.COMPLETED
    assert fixed.address == "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"
    assert fixed.amount == failed.amount
    with pytest.raises(WalletError):
        withdrawal_resubmit(customer_id=funded.pk, withdrawal_id=failed.pk,
                            address=TRON_ADDRESS, memo="",
                            two_factor_code=fresh_code(funded), client=CLIENT)


def test_risk_hold_then_reject_returns_funds_once(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    set_script(networks["USDT-TRX"], FailureReason.RISK_REVIEW_HOLD.value)
    withdrawal = submit(funded)
    assert withdrawal.state == WithdrawalState.RISK_REVIEW
    assert withdrawal.failure_reason == FailureReason.RISK_REVIEW_HOLD
    assert balance_of(funded, "USDT") == (Decimal(899), Decimal(101))
    withdrawal_reject(withdrawal_id=withdrawal.pk, actor_label="agent:li", reason="mule pattern")
    with pytest.raises(WalletError):
        withdrawal_reject(withdrawal_id=withdrawal.pk, actor_label="agent:li", reason="again")
    assert not withdrawal_fail(withdrawal_id=withdrawal.pk, reason=FailureReason.NODE_ERROR)
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.REJECTED
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))
    assert_ledger_matches_balances()


def test_risk_hold_approved_goes_on(
    funded: Customer, networks: dict[str, Network], submit: Submit, commits: Commits
) -> None:
    set_script(networks["USDT-TRX"], FailureReason.RISK_REVIEW_HOLD.value)
    withdrawal = submit(funded)
    with commits():
        withdrawal_approve(withdrawal_id=withdrawal.pk, actor_label="agent:li", reason="ok")
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.COMPLETED


def test_cancel_before_processing_returns_funds_once(
    funded: Customer, submit: Submit
) -> None:
    from kefu.exchange.wallet import tasks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "process_withdrawal", SimpleNamespace(enqueue=lambda **kw: None))
        withdrawal = submit(funded)
    withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=funded.pk, actor_label="me")
    with pytest.raises(WalletError) as caught:
        withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=funded.pk, actor_label="me")
    assert caught.value.code == "not_cancellable"
    assert withdrawal_process(withdrawal_id=withdrawal.pk).state == WithdrawalState.CANCELLED
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))
    assert_ledger_matches_balances()


def test_cancel_is_refused_once_sent(funded: Customer, submit: Submit) -> None:
    withdrawal = submit(funded)
    with pytest.raises(WalletError):
        withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=funded.pk, actor_label="me")
    assert balance_of(funded, "USDT") == (Decimal(899), Decimal(0))


def test_cancel_of_someone_elses_withdrawal_is_refused(
    funded: Customer, submit: Submit
) -> None:
    from .conftest import make_customer

    other = make_customer("other@example.com")
    withdrawal = submit(funded, network="USDT-TRX")
    with pytest.raises(WalletError) as caught:
        withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=other.pk, actor_label="x")
    assert caught.value.code == "not_found"


def test_slow_confirmations_complete_when_enough(
    funded: Customer, networks: dict[str, Network], submit: Submit, commits: Commits
) -> None:
    with time_machine.travel("2026-03-01 10:00:00+00:00", tick=False) as traveller:
        withdrawal = submit(funded, "BTC-BTC", address="1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                            amount="0.01")
        assert withdrawal.state == WithdrawalState.BROADCAST
        traveller.shift(61)
        assert withdrawal_confirm(withdrawal_id=withdrawal.pk).again_in is not None
        withdrawal.refresh_from_db()
        assert (withdrawal.confirmations, withdrawal.state) == (1, WithdrawalState.BROADCAST)
        traveller.shift(60)
        with commits():
            withdrawal_confirm(withdrawal_id=withdrawal.pk)
    withdrawal.refresh_from_db()
    assert withdrawal.state == WithdrawalState.COMPLETED
    assert balance_of(funded, "BTC") == (Decimal("0.9898"), Decimal(0))


def test_dropped_after_broadcast_fails_with_funds_back(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    set_script(networks["USDT-TRX"], "dropped")
    withdrawal = submit(funded)
    assert withdrawal.state == WithdrawalState.FAILED
    assert withdrawal.failure_reason == FailureReason.NODE_ERROR
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))


def test_freeze_after_submit_fails_at_processing(
    funded: Customer, submit: Submit, commits: Commits
) -> None:
    from kefu.exchange.wallet import tasks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "process_withdrawal", SimpleNamespace(enqueue=lambda **kw: None))
        withdrawal = submit(funded)
    Customer.objects.filter(pk=funded.pk).update(state="frozen")
    with commits():
        withdrawal_process(withdrawal_id=withdrawal.pk)
    withdrawal.refresh_from_db()
    assert (withdrawal.state, withdrawal.failure_reason) == ("failed", "account_frozen")
    assert balance_of(funded, "USDT") == (Decimal(1000), Decimal(0))
