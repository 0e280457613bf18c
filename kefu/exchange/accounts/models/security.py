"""Secrets that prove who is asking: one-time codes, TOTP, backup codes, login throttles."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.encryption import EncryptedTextField
from kefu.exchange.accounts.models.customer import Customer


class CodePurpose(models.TextChoices):
    RESET = "reset", _("Password reset")
    LOGIN = "login", _("Sign-in")
    SENSITIVE = "sensitive", _("Sensitive action")
    # A second factor typed for a signed-in change (SMS 2FA); never accepted at sign-in.
    ACTION = "action", _("Two-factor check for an account change")
    NEW_EMAIL = "new_email", _("Confirm a new email address")
    NEW_PHONE = "new_phone", _("Confirm a new phone number")


class OneTimeCode(models.Model):
    """A short code sent by email or SMS. Only its keyed hash is stored."""

    MAX_ATTEMPTS = 5

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=10, choices=CodePurpose.choices)
    channel = models.CharField(max_length=5)  # "email" or "sms"
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # The new address a NEW_EMAIL / NEW_PHONE code was sent to: the code confirms only it.
    target = models.CharField(max_length=254, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.customer_id}"


class TotpDevice(models.Model):
    """An authenticator app. ``last_step`` refuses a replay of an already accepted code."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="totp")
    # Base32 seed, encrypted at rest: a database dump alone cannot mint codes.
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP for {self.customer_id}"


class BackupCode(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backup code {self.pk} for {self.customer_id}"


class LoginThrottle(models.Model):
    """Failure counter for a key that is not a customer row: an IP, or an unknown identifier.

    Unknown identifiers lock exactly like real accounts so that the login page never tells
    whether an account exists.
    """

    key = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class LoginAttempt(models.Model):
    """Every login attempt, for throttling analysis and the benchmark; never edited."""

    created_at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    identifier_hash = models.CharField(max_length=64)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True)
    outcome = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.ip} {self.outcome}"
