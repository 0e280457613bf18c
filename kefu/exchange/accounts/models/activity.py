"""What happened to an account: the customer's activity log, freeze reports, SMS outbox."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.exchange.accounts.models.customer import Customer


class ActivityKind(models.TextChoices):
    SIGNED_UP = "signed_up", _("Account created")
    LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in (wrong password or code)")
    LOCKED = "locked", _("Account locked after failed sign-ins")
    UNLOCKED = "unlocked", _("Account unlocked")
    NEW_DEVICE = "new_device", _("Sign-in from a new device or network")
    SIGNED_OUT = "signed_out", _("Signed out")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed out everywhere")
    PASSWORD_RESET = "password_reset", _("Password reset with a one-time code")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TOTP_ENABLED = "totp_enabled", _("Authenticator app 2FA turned on")
    TOTP_DISABLED = "totp_disabled", _("Authenticator app 2FA turned off")
    SMS_2FA_ENABLED = "sms_2fa_enabled", _("SMS 2FA turned on")
    SMS_2FA_DISABLED = "sms_2fa_disabled", _("SMS 2FA turned off")
    BACKUP_CODES_REGENERATED = "backup_codes_regenerated", _("New backup codes generated")
    EMAIL_CHANGE_STARTED = "email_change_started", _("Email change requested")
    EMAIL_CHANGED = "email_changed", _("Email address changed")
    PHONE_CHANGE_STARTED = "phone_change_started", _("Phone change requested")
    PHONE_CHANGED = "phone_changed", _("Phone number changed")
    TWO_FACTOR_RESET = "2fa_reset", _("2FA reset by support")
    BACKUP_CODE_USED = "backup_code_used", _("Backup code used")
    ANTI_PHISHING_SET = "anti_phishing_set", _("Anti-phishing code changed")
    FROZEN = "frozen", _("Account frozen")
    UNFROZEN = "unfrozen", _("Account unfrozen")


class ActivityEvent(models.Model):
    """Append-only: rows are written once and never changed or deleted by the app."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activity")
    kind = models.CharField(max_length=32, choices=ActivityKind.choices)
    created_at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device_label = models.CharField(max_length=200, blank=True)
    device_fingerprint = models.CharField(max_length=64, blank=True)
    location = models.CharField(max_length=120, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("activity events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("activity events are append-only")


class SupportRequest(models.Model):
    """Opened by a freeze ("this wasn't me"); the desk turns it into a conversation."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=20, default="freeze")
    created_at = models.DateTimeField()
    summary = models.JSONField(default=dict)
    handed_over_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk}"


class OutboxSms(models.Model):
    """Where the demo SMS backend "sends" messages, for the demo outbox page."""

    created_at = models.DateTimeField(auto_now_add=True)
    to = models.CharField(max_length=20)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"SMS to {self.to}"
