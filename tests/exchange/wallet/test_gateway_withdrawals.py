"""Withdrawals as the desk sees them: through the exchange gateway interface only."""

from __future__ import annotations

import pytest

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.models import Network
from kefu.gateway import ActionRefused, UnknownWithdrawal, WithdrawalSummary, get_gateway

from .conftest import Submit

pytestmark = pytest.mark.django_db


def test_gateway_lists_failed_withdrawal_with_reason_and_retries_it(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    networks["USDT-TRX"].simulator = "node_error"
    networks["USDT-TRX"].save()
    submit(funded)
    gateway = get_gateway()
    [failed] = gateway.withdrawals(str(funded.public_id))
    assert isinstance(failed, WithdrawalSummary)
    assert failed.state == "failed"
    assert failed.reason is not None
    assert failed.reason.code == "node_error"
    assert "." in failed.amount or failed.amount.isdigit()  # a decimal string, not a float
    assert gateway.withdrawal(failed.ref) == failed

    with pytest.raises(ActionRefused) as refused:
        gateway.retry_withdrawal(failed.ref, actor_label="agent:li", reason="")
    assert refused.value.code == "reason_required"
    again = gateway.retry_withdrawal(failed.ref, actor_label="agent:li", reason="node is back")
    assert again.ref != failed.ref


def test_gateway_unknown_withdrawal() -> None:
    gateway = get_gateway()
    with pytest.raises(UnknownWithdrawal):
        gateway.withdrawal("00000000-0000-0000-0000-000000000000")
    with pytest.raises(UnknownWithdrawal):
        gateway.cancel_withdrawal("nope", actor_label="agent:li", reason="x")
