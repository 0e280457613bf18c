"""Finding or creating the desk's customer record, and linking verified identities."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.desk.models import CustomerIdentity, CustomerKind, DeskCustomer


def customer_for_account(
    *, external_ref: str, display_name: str = "", language: str = "zh-hans"
) -> DeskCustomer:
    """The desk record of a platform account, created on first contact."""
    existing = DeskCustomer.objects.filter(external_ref=external_ref).first()
    if existing is not None:
        if display_name and not existing.display_name:
            # First seen through an event that carried no name; the account's is better.
            DeskCustomer.objects.filter(pk=existing.pk, display_name="").update(
                display_name=display_name[:100]
            )
            existing.display_name = display_name[:100]
        return existing
    try:
        with transaction.atomic():
            return DeskCustomer.objects.create(
                kind=CustomerKind.ACCOUNT,
                external_ref=external_ref,
                display_name=display_name[:100],
                language=language,
            )
    except IntegrityError:  # created concurrently by another delivery
        return DeskCustomer.objects.get(external_ref=external_ref)


def verified_customer(*, kind: str, address: str) -> DeskCustomer | None:
    """The customer this address is verified for, if any.

    An unverified address never links to an existing customer: claiming somebody's email
    address in a chat must not open their history.
    """
    identity = (
        CustomerIdentity.objects.filter(kind=kind, address=address, verified_at__isnull=False)
        .select_related("customer")
        .first()
    )
    return identity.customer if identity is not None else None


def customer_for_verified_address(
    *, kind: str, address: str, display_name: str = "", language: str = "zh-hans"
) -> DeskCustomer:
    """The customer a proven address belongs to, created with it on first contact.

    For addresses the caller has verified itself (a visitor's signed token). Two first
    contacts at once both create a record, but the address can be verified for one only
    (``desk_identity_verified_once``): the other's transaction rolls back and it takes
    the winner's.
    """
    known = verified_customer(kind=kind, address=address)
    if known is not None:
        return known
    try:
        with transaction.atomic():
            customer = visitor_create(display_name=display_name, language=language)
            identity_add(customer=customer, kind=kind, address=address,
                         verified_at=timezone.now())
            return customer
    except IntegrityError:
        winner = verified_customer(kind=kind, address=address)
        if winner is None:
            raise
        return winner


def visitor_create(*, display_name: str = "", language: str = "zh-hans") -> DeskCustomer:
    return DeskCustomer.objects.create(
        kind=CustomerKind.VISITOR, display_name=display_name[:100], language=language
    )


@transaction.atomic
def identity_add(
    *, customer: DeskCustomer, kind: str, address: str, verified_at: datetime | None = None
) -> CustomerIdentity:
    identity, _created = CustomerIdentity.objects.get_or_create(
        customer=customer, kind=kind, address=address
    )
    if verified_at is not None and identity.verified_at is None:
        identity_verify(identity_id=identity.pk, at=verified_at)
        identity.refresh_from_db()
    return identity


@transaction.atomic
def identity_verify(*, identity_id: int, at: datetime | None = None) -> CustomerIdentity:
    """Mark an address as proven (after a code round-trip); only then does it link.

    Raises IntegrityError when the address is already verified for another customer:
    merging two customers is a supervisor's decision, not an automatic one.
    """
    identity = CustomerIdentity.objects.select_for_update().get(pk=identity_id)
    if identity.verified_at is None:
        identity.verified_at = at or timezone.now()
        identity.save(update_fields=["verified_at"])
    return identity
