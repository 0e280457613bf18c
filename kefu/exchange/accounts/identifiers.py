"""Email addresses and phone numbers as customers type them, normalised for lookup."""

from __future__ import annotations

from typing import Literal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

IdentifierKind = Literal["email", "phone"]
MAX_IDENTIFIER_CHARS = 254
DEFAULT_REGION = "CN"  # numbers typed without +country code are read as mainland China


def normalize_email(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_IDENTIFIER_CHARS:
        raise ValidationError(_("This email address is too long."), code="too_long")
    validate_email(value)
    local, _sep, domain = value.rpartition("@")
    # Domains are case-insensitive; local parts too in practice, and customers mistype them.
    return f"{local}@{domain}".lower()


def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """Return the number in E.164 (``+8613812345678``) or raise ``ValidationError``."""
    value = value.strip()
    if len(value) > 32:
        raise ValidationError(_("This phone number is too long."), code="too_long")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a valid phone number, for example +86 138 0013 8000."), code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, for example +86 138 0013 8000."), code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_identifier(value: str) -> tuple[IdentifierKind, str]:
    """Email if it contains ``@``, phone number otherwise."""
    if "@" in value:
        return "email", normalize_email(value)
    return "phone", normalize_phone(value)


def mask_email(email: str | None) -> str:
    if not email:
        return ""
    local, _sep, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return f"{phone[:4]}****{phone[-4:]}"
