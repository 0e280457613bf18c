"""The customer's address book and the "withdraw only to saved addresses" choice."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.audit import audit_record
from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.services.twofa import sensitive_check
from kefu.exchange.wallet import conf
from kefu.exchange.wallet.addresses import AddressError, validate_address, validate_memo
from kefu.exchange.wallet.models import AddressBookEntry, Network, WalletPreferences
from kefu.exchange.wallet.services.errors import WalletError
from kefu.exchange.wallet.services.lock_objects import customer_for_update
from kefu.exchange.wallet.services.submit import customer_label

MAX_ENTRIES = 200


def address_save(*, customer_id: int, network_id: int, label: str, address: str,
                 memo: str, two_factor_code: str, client: ClientInfo) -> AddressBookEntry:
    """Save an address (2FA). It becomes usable after the hold (24 hours by default)."""
    network = Network.objects.select_related("asset").get(pk=network_id)
    label = label.strip()
    if not label or len(label) > 40 or not label.isprintable():
        raise WalletError("label_invalid", _("Give the address a short name."), field="label")
    try:
        clean = validate_address(network.chain, address)
        clean_memo = validate_memo(network.chain, network.memo_rule, memo)
    except AddressError as exc:
        field = "memo" if exc.is_memo_problem else "address"
        raise WalletError(exc.code, exc.message, field=field) from None
    refusal: WalletError | None = None
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        existing = AddressBookEntry.objects.filter(customer=customer, network=network,
                                                   address=clean, memo=clean_memo).first()
        if existing is not None:
            return existing
        if AddressBookEntry.objects.filter(customer=customer).count() >= MAX_ENTRIES:
            raise WalletError("address_book_full", _("Your address book is full."))
        if not sensitive_check(customer, two_factor_code, client, now):
            refusal = WalletError("two_factor_invalid",
                                  _("The verification code is wrong or expired."), field="code")
        else:
            entry = AddressBookEntry.objects.create(
                customer=customer, network=network, label=label, address=clean,
                memo=clean_memo, created_at=now, usable_after=now + conf.address_hold())
            audit_record(actor=None, action="wallet.address_save", target=entry,
                         system_label=customer_label(customer),
                         data={"network": network.code, "address": clean})
            return entry
    raise refusal


@transaction.atomic
def address_delete(*, customer_id: int, entry_id: int) -> None:
    customer = customer_for_update(customer_id)
    entry = AddressBookEntry.objects.filter(customer=customer, pk=entry_id).first()
    if entry is None:
        raise WalletError("not_found", _("This address is not in your address book."))
    audit_record(actor=None, action="wallet.address_delete", target=entry,
                 system_label=customer_label(customer), data={"address": entry.address})
    entry.delete()


def saved_addresses_only_set(*, customer_id: int, enabled: bool, two_factor_code: str,
                             client: ClientInfo) -> None:
    """Turning the protection on is free; turning it off needs 2FA."""
    refusal: WalletError | None = None
    with transaction.atomic():
        now = timezone.now()
        customer = customer_for_update(customer_id)
        if not enabled and not sensitive_check(customer, two_factor_code, client, now):
            refusal = WalletError("two_factor_invalid",
                                  _("The verification code is wrong or expired."), field="code")
        else:
            WalletPreferences.objects.update_or_create(
                customer=customer, defaults={"saved_addresses_only": enabled})
            audit_record(actor=None, action="wallet.saved_addresses_only", target=customer,
                         system_label=customer_label(customer), data={"enabled": enabled})
            return
    raise refusal
