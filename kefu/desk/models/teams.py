"""Teams and the agents who work in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual
from kefu.desk.models.choices import Presence, Role


class Team(Bilingual, models.Model):
    """A queue of conversations worked by a group of agents, with its own business hours."""

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="desk_teams",
        verbose_name=_("business hours"),
        help_text=_("Empty: the team works around the clock."),
    )
    is_default = models.BooleanField(
        _("default team"), default=False, help_text=_("New conversations land here.")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.tr("name")


class AgentProfile(models.Model):
    """What makes a Django user an agent: role, teams, capacity and presence."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    display_name = models.CharField(
        _("display name"), max_length=100, help_text=_("Shown to customers.")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="agents", verbose_name=_("teams"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=8, help_text=_("Most open conversations assigned at once.")
    )
    presence = models.CharField(
        _("presence"), max_length=10, choices=Presence.choices, default=Presence.OFFLINE
    )
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Round-robin picks the eligible agent who was given a conversation longest ago.
    last_assigned_at = models.DateTimeField(_("last assignment"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        ordering = ["display_name"]
        indexes = [models.Index(fields=["presence", "last_assigned_at"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def sees_all_teams(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)
