"""The exchange's customers: a population separate from staff (``auth.User``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerState(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked")
    FROZEN = "frozen", _("Frozen")


class CooldownReason(models.TextChoices):
    """Why withdrawals are paused (``Customer.cooldown_reason``); the label says it to the
    customer, after "Withdrawals are paused because…"."""

    PASSWORD_RESET = "password_reset", _("your password was reset")
    PASSWORD_CHANGED = "password_changed", _("your password was changed")
    EMAIL_CHANGED = "email_changed", _("your email address was changed")
    PHONE_CHANGED = "phone_changed", _("your phone number was changed")
    TWO_FACTOR_DISABLED = "2fa_disabled", _("two-factor authentication was turned off")
    TWO_FACTOR_RESET = "2fa_reset", _("two-factor authentication was reset by support")
    UNFROZEN = "unfrozen", _("your account was unfrozen")


class WithdrawalBlock(NamedTuple):
    """Why withdrawals are refused now. ``reason`` is "frozen" or a ``CooldownReason``;
    ``until`` is None while frozen (only support ends a freeze)."""

    reason: str
    until: datetime | None

    @property
    def frozen(self) -> bool:
        return self.reason == FROZEN_REASON

    @property
    def label(self) -> str:
        if self.frozen:
            return str(_("your account is frozen"))
        if self.reason in CooldownReason.values:
            return str(CooldownReason(self.reason).label)
        return str(_("a security setting changed"))


FROZEN_REASON = "frozen"


class Customer(models.Model):
    """A customer of the built-in exchange.

    Locks and counters live on the row so that ``select_for_update`` on it serialises
    every login attempt of one account (see ``services/login.py``).
    """

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True, unique=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)
    password = models.CharField(_("password"), max_length=128)
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    state = models.CharField(
        _("state"), max_length=10, choices=CustomerState.choices, default=CustomerState.ACTIVE
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("recent failed logins"), default=0)
    failed_window_started_at = models.DateTimeField(null=True, blank=True)
    # Bumped to end every session at once ("sign out everywhere", freeze, password reset).
    session_generation = models.PositiveIntegerField(default=1)
    anti_phishing_code = models.CharField(_("anti-phishing code"), max_length=20, blank=True)
    sms_2fa_enabled = models.BooleanField(_("SMS 2FA"), default=False)
    withdrawal_cooldown_until = models.DateTimeField(
        _("withdrawals blocked until"), null=True, blank=True
    )
    cooldown_reason = models.CharField(_("cool-down reason"), max_length=32, blank=True)
    activity_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    verification_level = models.PositiveSmallIntegerField(_("verification level"), default=0)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="accounts_customer_has_email_or_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone or str(self.public_id)

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password)

    def is_locked(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now

    def effective_state(self, now: datetime | None = None) -> CustomerState:
        if self.state == CustomerState.FROZEN:
            return CustomerState.FROZEN
        if self.is_locked(now):
            return CustomerState.LOCKED
        return CustomerState.ACTIVE

    @property
    def totp_enabled(self) -> bool:
        from kefu.exchange.accounts.models.security import TotpDevice  # circular at import

        return TotpDevice.objects.filter(customer=self, confirmed_at__isnull=False).exists()

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled or self.sms_2fa_enabled

    def withdrawal_block(self, now: datetime | None = None) -> WithdrawalBlock | None:
        now = now or timezone.now()
        if self.state == CustomerState.FROZEN:
            return WithdrawalBlock(FROZEN_REASON, None)
        until = self.withdrawal_cooldown_until
        if until is not None and until > now:
            return WithdrawalBlock(self.cooldown_reason, until)
        return None

    def withdrawals_blocked(self, now: datetime | None = None) -> bool:
        return self.withdrawal_block(now) is not None


class CustomerSession(models.Model):
    """One signed-in browser; listed on the sessions page, ended one by one or all at once."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["customer", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.device_label} {self.ip}"


class KnownDevice(models.Model):
    """A browser that signed in before; a login from anywhere else sends a security email."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="devices")
    token_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=200, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    last_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "token_hash"], name="accounts_knowndevice_unique_token"
            ),
        ]

    def __str__(self) -> str:
        return self.label
