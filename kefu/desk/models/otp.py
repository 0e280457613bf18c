"""Agents' TOTP devices: the second factor every console session must pass."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.encryption import EncryptedTextField


class AgentTotpDevice(models.Model):
    """One authenticator app per agent.

    ``confirmed_at`` empty: enrolment started, the agent has not yet typed a code from it.
    ``last_step`` is the newest TOTP time step accepted, so a code is never accepted twice.
    Wrong codes count up to a lockout; the counter restarts after a success or a lockout.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_totp"
    )
    secret = EncryptedTextField(_("secret"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agent TOTP device")
        verbose_name_plural = _("agent TOTP devices")

    def __str__(self) -> str:
        return f"TOTP for user {self.user_id}"
