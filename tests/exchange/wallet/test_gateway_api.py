"""The functions the exchange gateway exposes to the desk."""

from __future__ import annotations

import pytest

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet import gateway_api
from kefu.exchange.wallet.models import Network, WithdrawalState
from kefu.gateway import ActionRefused, UnknownWithdrawal

from .conftest import Submit

pytestmark = pytest.mark.django_db


def test_lists_withdrawals_with_bilingual_reasons(
    funded: Customer, networks: dict[str, Network], submit: Submit
) -> None:
    networks["USDT-TRX"].simulator = "node_error"
    networks["USDT-TRX"].save()
    submit(funded)
    [info] = gateway_api.withdrawals_for_customer(str(funded.public_id))
    assert info.state == "failed"
    assert info.can_retry
    assert info.reason is not None
    assert info.reason.code == "node_error"
    assert info.reason.explanation_en != info.reason.explanation_zh_hans
    assert gateway_api.withdrawals_for_customer("not-a-uuid") == []


def test_support_retry_and_cancel_are_audited(
    funded: Customer, networks: dict[str, Network], submit: Submit,
    django_capture_on_commit_callbacks: object,
) -> None:
    networks["USDT-TRX"].simulator = "node_error"
    networks["USDT-TRX"].save()
    failed = submit(funded)
    with pytest.raises(ActionRefused):
        gateway_api.withdrawal_retry_for_support(str(failed.public_id), actor_label="agent:li",
                                                 reason=" ")
    again = gateway_api.withdrawal_retry_for_support(
        str(failed.public_id), actor_label="agent:li", reason="node recovered")
    assert again.ref != str(failed.public_id)
    assert AuditEntry.objects.filter(action="wallet.withdrawal_retry",
                                     actor_label="agent:li").exists()
    # The retry's processing task was not run (no commit here): it can still be cancelled.
    cancelled = gateway_api.withdrawal_cancel_for_support(again.ref, actor_label="agent:li",
                                                          reason="customer asked")
    assert cancelled.state == WithdrawalState.CANCELLED
    with pytest.raises(ActionRefused):
        gateway_api.withdrawal_cancel_for_support(again.ref, actor_label="agent:li",
                                                  reason="again")
    with pytest.raises(UnknownWithdrawal):
        gateway_api.withdrawal_detail("00000000-0000-0000-0000-000000000000")
