"""Enumerations shared by the desk's models, services and views."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("Website chat")
    APP = "app", _("Mobile app")
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", _("Telegram")
    X = "x", _("X")
    FACEBOOK = "facebook", _("Facebook")
    PHONE = "phone", _("Phone")
    CONSOLE = "console", _("Agent console")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting_on_customer", _("Waiting on customer")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.OPEN, Status.WAITING, Status.SNOOZED)


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Category(models.TextChoices):
    ACCOUNT_ACCESS = "account_access", _("Account access")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    DEPOSIT = "deposit", _("Deposit")
    SECURITY = "security", _("Security")
    IDENTITY_VERIFICATION = "identity_verification", _("Identity verification")
    OTHER = "other", _("Other")


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
    NOTE = "note", _("Private note")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class CustomerKind(models.TextChoices):
    ACCOUNT = "account", _("Platform account")
    VISITOR = "visitor", _("Anonymous visitor")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    TELEGRAM = "telegram", _("Telegram")
    X = "x", _("X")
    FACEBOOK = "facebook", _("Facebook")
    VISITOR = "visitor", _("Visitor cookie")


class InboundState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    QUARANTINED = "quarantined", _("Quarantined")


MAX_MESSAGE_CHARS = 10_000
