"""The exchange gateway contract: what any implementation must do, as tests.

Run against the built-in gateway and against RemoteGateway over HTTP (see
``test_contract.py``). To check a connector to your own exchange, provide a ``gateway``
fixture returning it plus the data fixtures, and import these tests.

Reads are compared with the built-in gateway's own answer (the reference) field by field,
so the wire format cannot drift.
"""

from __future__ import annotations

import uuid

import pytest

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import Customer, CustomerState
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.wallet.models import Network, Withdrawal
from kefu.exchange.wallet.reasons import FailureReason as WalletReason
from kefu.exchange.wallet.services.submit import withdrawal_submit
from kefu.gateway import (
    AccountSummary,
    ActionRefused,
    ActivityItem,
    ExchangeGateway,
    UnknownCustomer,
    UnknownWithdrawal,
    WithdrawalSummary,
)
from kefu.gateway.builtin import BuiltinGateway
from tests.exchange.wallet.conftest import CLIENT, TRON_ADDRESS, fresh_code

pytestmark = pytest.mark.django_db(transaction=True)

UNKNOWN = str(uuid.UUID(int=0))


def submit_withdrawal(customer: Customer, network: Network, *, outcome: str) -> Withdrawal:
    network.simulator = outcome
    network.save(update_fields=["simulator"])
    withdrawal = withdrawal_submit(
        customer_id=customer.pk, network_id=network.pk, address=TRON_ADDRESS, memo="",
        amount="100", idempotency_key=uuid.uuid4().hex[:32],
        two_factor_code=fresh_code(customer), client=CLIENT,
    )
    withdrawal.refresh_from_db()
    return withdrawal


def lock(customer: Customer) -> None:
    for _ in range(5):
        login_attempt(identifier=customer.email, password="wrong", client=ClientInfo(ip=None))


def audit_rows(customer: Customer) -> list[tuple[str, str, str]]:
    rows = AuditEntry.objects.filter(target_id=str(customer.pk)).order_by("id")
    return [(r.action, r.actor_label, r.reason) for r in rows]


# --- reads


def test_find_customer(gateway: ExchangeGateway, customer: Customer) -> None:
    assert gateway.find_customer(email="WANG.WEI@example.com") == str(customer.public_id)
    assert gateway.find_customer(email="nobody@example.com") is None
    assert gateway.find_customer(email="not an address") is None
    assert gateway.find_customer() is None


def test_summary_masks_personal_data(gateway: ExchangeGateway, customer: Customer) -> None:
    ref = str(customer.public_id)
    summary = gateway.account_summary(ref)
    assert isinstance(summary, AccountSummary)
    assert summary == BuiltinGateway().account_summary(ref)
    assert summary.customer_ref == ref
    assert summary.state == "active"
    assert summary.two_factor_enabled
    assert summary.registered_since.tzinfo is not None
    assert "wang.wei" not in summary.masked_email
    assert summary.masked_email.endswith("@example.com")


def test_summary_shows_a_lock(gateway: ExchangeGateway, customer: Customer) -> None:
    lock(customer)
    summary = gateway.account_summary(str(customer.public_id))
    assert summary.state == "locked"
    assert summary.locked_until is not None


def test_recent_activity(gateway: ExchangeGateway, customer: Customer) -> None:
    ref = str(customer.public_id)
    lock(customer)
    items = gateway.recent_activity(ref, limit=3)
    assert all(isinstance(i, ActivityItem) for i in items)
    # Events of one instant (the last failure and the lock) may come in either order.
    def key(i: ActivityItem) -> tuple[str, str]:
        return (i.at.isoformat(), i.kind)

    assert sorted(items, key=key) == sorted(BuiltinGateway().recent_activity(ref, limit=3),
                                            key=key)
    assert len(items) == 3
    assert "locked" in {i.kind for i in items[:2]}
    assert [i.at for i in items] == sorted((i.at for i in items), reverse=True)


def test_unknown_customer(gateway: ExchangeGateway, transactional_db: None) -> None:
    for ref in (UNKNOWN, "not-a-ref"):
        with pytest.raises(UnknownCustomer):
            gateway.account_summary(ref)
        with pytest.raises(UnknownCustomer):
            gateway.recent_activity(ref)
        with pytest.raises(UnknownCustomer):
            gateway.unlock(ref, actor_label="agent:li", reason="case 1")
        assert gateway.withdrawals(ref) == []
    assert not AuditEntry.objects.exists()


# --- account actions


def test_actions_write_audit_rows(gateway: ExchangeGateway, customer: Customer) -> None:
    ref = str(customer.public_id)
    lock(customer)
    gateway.unlock(ref, actor_label="agent:li", reason="identity verified, case 12")
    assert gateway.account_summary(ref).state == "active"
    gateway.freeze(ref, actor_label="agent:li", reason="customer asked by phone")
    assert gateway.account_summary(ref).state == "frozen"
    gateway.unfreeze(ref, actor_label="agent:wang", reason="identity verified, case 13")
    gateway.reset_2fa(ref, actor_label="agent:wang", reason="lost phone, case 14")
    summary = gateway.account_summary(ref)
    assert summary.state == "active"
    assert not summary.two_factor_enabled
    assert summary.withdrawals_blocked_until is not None
    assert audit_rows(customer) == [
        ("accounts.unlock", "agent:li", "identity verified, case 12"),
        ("accounts.freeze", "agent:li", "customer asked by phone"),
        ("accounts.unfreeze", "agent:wang", "identity verified, case 13"),
        ("accounts.reset_2fa", "agent:wang", "lost phone, case 14"),
    ]


def test_refused_actions_change_nothing(gateway: ExchangeGateway, customer: Customer) -> None:
    ref = str(customer.public_id)
    with pytest.raises(ActionRefused) as refused:
        gateway.freeze(ref, actor_label="agent:li", reason="   ")
    assert refused.value.code == "reason_required"
    with pytest.raises(ActionRefused) as refused:
        gateway.unfreeze(ref, actor_label="agent:li", reason="not frozen though")
    assert refused.value.code == "not_frozen"
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert audit_rows(customer) == []


# --- withdrawals


def test_failed_withdrawal_with_reason_and_retry(
    gateway: ExchangeGateway, funded: Customer, networks: dict[str, Network]
) -> None:
    ref = str(funded.public_id)
    submit_withdrawal(funded, networks["USDT-TRX"], outcome=WalletReason.NODE_ERROR.value)
    [failed] = gateway.withdrawals(ref)
    assert isinstance(failed, WithdrawalSummary)
    assert failed == BuiltinGateway().withdrawal(failed.ref)
    assert failed.state == "failed"
    assert failed.reason is not None
    assert failed.reason.code == "node_error"
    assert failed.reason.title_en
    assert failed.reason.title_zh_hans
    assert failed.amount == "100" or failed.amount.startswith("100.")
    assert failed.can_retry
    assert gateway.withdrawal(failed.ref) == failed

    with pytest.raises(ActionRefused) as refused:
        gateway.retry_withdrawal(failed.ref, actor_label="agent:li", reason="")
    assert refused.value.code == "reason_required"
    networks["USDT-TRX"].simulator = "success"
    networks["USDT-TRX"].save(update_fields=["simulator"])
    again = gateway.retry_withdrawal(failed.ref, actor_label="agent:li", reason="node is back")
    assert again.ref != failed.ref
    assert [w.ref for w in gateway.withdrawals(ref)] == [again.ref, failed.ref]
    assert not gateway.withdrawal(failed.ref).can_retry
    assert ("wallet.withdrawal_retry", "agent:li", "node is back") in [
        (r.action, r.actor_label, r.reason) for r in AuditEntry.objects.all()
    ]


def test_cancel_withdrawal(
    gateway: ExchangeGateway, funded: Customer, networks: dict[str, Network]
) -> None:
    held = submit_withdrawal(funded, networks["USDT-TRX"],
                             outcome=WalletReason.RISK_REVIEW_HOLD.value)
    summary = gateway.withdrawal(str(held.public_id))
    assert summary.can_cancel
    cancelled = gateway.cancel_withdrawal(summary.ref, actor_label="agent:li",
                                          reason="customer asked")
    assert cancelled.state == "cancelled"
    assert not cancelled.can_cancel
    with pytest.raises(ActionRefused):
        gateway.cancel_withdrawal(summary.ref, actor_label="agent:li", reason="again")


def test_unknown_withdrawal(gateway: ExchangeGateway, transactional_db: None) -> None:
    for ref in (UNKNOWN, "nope"):
        with pytest.raises(UnknownWithdrawal):
            gateway.withdrawal(ref)
        with pytest.raises(UnknownWithdrawal):
            gateway.retry_withdrawal(ref, actor_label="agent:li", reason="x")
        with pytest.raises(UnknownWithdrawal):
            gateway.cancel_withdrawal(ref, actor_label="agent:li", reason="x")
