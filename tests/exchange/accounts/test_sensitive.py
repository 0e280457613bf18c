"""The public checks the wallet calls: second_factor_verify, withdrawal_block_reason."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.utils import timezone

from kefu.core import totp
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import ActivityKind, CodePurpose, Customer, CustomerState
from kefu.exchange.accounts.services.codes import code_issue
from kefu.exchange.accounts.services.sensitive import (
    SecondFactorUnavailable,
    second_factor_verify,
    withdrawal_block_reason,
)
from kefu.exchange.accounts.services.support import support_freeze, support_unfreeze
from kefu.exchange.accounts.services.twofa import totp_enable

pytestmark = pytest.mark.django_db
START = "2026-03-01 10:00:00+00:00"


def test_without_2fa_the_caller_is_told(customer: Customer, client_info: ClientInfo) -> None:
    with pytest.raises(SecondFactorUnavailable) as refused:
        second_factor_verify(customer_id=customer.pk, code="123456", purpose="withdrawal",
                             client=client_info)
    assert refused.value.code == "not_enabled"


def test_totp_code_once_wrong_codes_counted_then_locked(
    customer: Customer, client_info: ClientInfo
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        secret = totp.new_secret()
        assert totp_enable(customer_id=customer.pk, secret=secret,
                           code=pyotp.TOTP(secret).now(), client=client_info)
        traveller.shift(timedelta(minutes=1))
        code = pyotp.TOTP(secret).now()
        assert second_factor_verify(customer_id=customer.pk, code=code, purpose="withdrawal",
                                    client=client_info)
        assert not second_factor_verify(customer_id=customer.pk, code=code,
                                        purpose="withdrawal", client=client_info)  # replay
        failed = customer.activity.filter(kind=ActivityKind.LOGIN_FAILED).first()
        assert failed is not None
        assert failed.data == {"step": "sensitive", "purpose": "withdrawal"}
        for _ in range(4):
            second_factor_verify(customer_id=customer.pk, code="x" * 500, purpose="withdrawal",
                                 client=client_info)
        with pytest.raises(SecondFactorUnavailable) as refused:
            second_factor_verify(customer_id=customer.pk, code=pyotp.TOTP(secret).now(),
                                 purpose="withdrawal", client=client_info)
    assert refused.value.code == "locked"
    assert refused.value.locked_until is not None


def test_sms_action_code_but_not_a_sign_in_code(
    make_customer: object, client_info: ClientInfo
) -> None:
    customer = make_customer("+8613800138000")  # type: ignore[operator]
    Customer.objects.filter(pk=customer.pk).update(sms_2fa_enabled=True)
    login = code_issue(customer=customer, purpose=CodePurpose.LOGIN, channel="sms",
                       now=timezone.now())
    assert not second_factor_verify(customer_id=customer.pk, code=login, purpose="withdrawal",
                                    client=client_info)
    action = code_issue(customer=customer, purpose=CodePurpose.ACTION, channel="sms",
                        now=timezone.now())
    assert second_factor_verify(customer_id=customer.pk, code=action, purpose="withdrawal",
                                client=client_info)


def test_withdrawal_block_reason(customer: Customer) -> None:
    assert withdrawal_block_reason(customer) is None
    support_freeze(customer_id=customer.pk, actor_label="agent", reason="customer asked")
    customer.refresh_from_db()
    assert withdrawal_block_reason(customer) == ("frozen", None)
    assert withdrawal_block_reason(customer).frozen  # type: ignore[union-attr]
    with pytest.raises(SecondFactorUnavailable, match="frozen"):
        second_factor_verify(customer_id=customer.pk, code="1", purpose="x",
                             client=ClientInfo(ip=None))
    support_unfreeze(customer_id=customer.pk, actor_label="agent", reason="verified")
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    reason, until = withdrawal_block_reason(customer)  # type: ignore[misc]
    assert reason == "unfrozen"
    assert until is not None
    assert withdrawal_block_reason(customer, until + timedelta(seconds=1)) is None
    assert "unfrozen" in withdrawal_block_reason(customer).label  # type: ignore[union-attr]
