"""Core models: the business-hours calendar and the audit log."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a known time zone (for example Asia/Shanghai)."),
            params={"value": value},
            code="invalid_time_zone",
        ) from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """Working hours in one time zone: weekly intervals plus holidays and special dates.

    The arithmetic (open now? next opening? business time between two instants?) lives
    in :mod:`kefu.core.business_hours`; this model only stores the rules.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("open around the clock"),
        default=False,
        help_text=_("Ignores the weekly hours; holidays still close it."),
    )

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"


class WeeklyHours(models.Model):
    """One opening interval on a weekday; a day may have several (e.g. a lunch break).

    ``closes`` at 00:00 means midnight at the end of the day.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("weekly opening hours")
        verbose_name_plural = _("weekly opening hours")
        ordering = ["calendar", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")) | Q(closes="00:00"),
                name="core_weeklyhours_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class SpecialDate(models.Model):
    """A holiday (no times: closed all day) or a date with its own opening hours.

    Rows for the same date replace that date's weekly hours; several rows with times give
    several intervals.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="special_dates"
    )
    date = models.DateField(_("date"))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        verbose_name = _("holiday or special date")
        verbose_name_plural = _("holidays and special dates")
        ordering = ["calendar", "date", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(opens__isnull=True) & Q(closes__isnull=True))
                | (
                    Q(opens__isnull=False)
                    & Q(closes__isnull=False)
                    & (Q(closes__gt=models.F("opens")) | Q(closes="00:00"))
                ),
                name="core_specialdate_closed_or_valid_interval",
            ),
        ]
        indexes = [models.Index(fields=["calendar", "date"])]

    def __str__(self) -> str:
        if self.opens is None:
            return f"{self.date} {_('closed')}"
        return f"{self.date} {self.opens:%H:%M}–{self.closes:%H:%M}"


class AuditEntry(models.Model):
    """Append-only record of who did what to what, and why.

    Written by service functions inside the same transaction as the change it records.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        _("actor label"), max_length=150, help_text=_("System component when no user acted.")
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
