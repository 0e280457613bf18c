from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.core.i18n import normalize_language
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.identifiers import parse_identifier
from kefu.exchange.accounts.models import ActivityKind, Customer
from kefu.exchange.accounts.services.common import AccountError, record_activity
from kefu.exchange.accounts.services.signin import remember_device


def customer_sign_up(
    *, identifier: str, password: str, language: str, client: ClientInfo
) -> Customer:
    """Create a customer from an email address or phone number (validated by the form).

    Raises ``AccountError("taken")`` when the address is registered already.
    """
    field, value = parse_identifier(identifier)
    now = timezone.now()
    customer = Customer(language=normalize_language(language))
    if field == "email":
        customer.email = value
    else:
        customer.phone = value
    customer.set_password(password)
    try:
        with transaction.atomic():
            customer.save()
            record_activity(customer, ActivityKind.SIGNED_UP, now=now, client=client)
            remember_device(customer, client)
    except IntegrityError:
        raise AccountError("taken") from None
    return customer
