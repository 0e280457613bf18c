"""Background sending of security emails and SMS (enqueued after commit by the services)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMessage

from kefu.core.tasks import RetryLater, task
from kefu.exchange.accounts.models import Customer
from kefu.exchange.accounts.notify import render_email, render_sms
from kefu.exchange.accounts.sms import SmsError, SmsMessage, get_sms_backend

logger = logging.getLogger(__name__)


@task
def send_email(*, customer_id: int, kind: str, params: dict[str, Any], to: str = "") -> None:
    """To the customer's address, or to ``to`` (a new address to confirm, the old one)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not (to or customer.email):
        return
    text = render_email(customer, kind, params)
    EmailMessage(subject=text.subject, body=text.body, to=[to or customer.email or ""]).send()


@task
def send_sms(*, customer_id: int, kind: str, params: dict[str, Any], to: str = "") -> None:
    """To the customer's number, or to ``to`` (a new number to confirm, the old one)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not (to or customer.phone):
        return
    body = render_sms(customer, kind, params)
    try:
        get_sms_backend().send(SmsMessage(to=to or customer.phone or "", body=body))
    except SmsError as exc:
        if exc.permanent:
            logger.error("SMS %s to customer %s not sent: %s", kind, customer_id, exc)
            return
        raise RetryLater(60, str(exc)) from exc


def notify(customer: Customer, kind: str, params: dict[str, Any] | None = None) -> None:
    """Security notice by email, or by SMS for customers without an email address."""
    if customer.email:
        send_email.enqueue(customer_id=customer.pk, kind=kind, params=params or {})
    elif customer.phone:
        send_sms.enqueue(customer_id=customer.pk, kind=kind, params=params or {})
