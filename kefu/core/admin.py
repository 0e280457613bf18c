"""Admin for business-hours calendars: weekly hours and special dates edited inline."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.business_hours import schedule_for, status_at
from kefu.core.models import BusinessCalendar, SpecialDate, WeeklyHours


class WeeklyHoursInline(admin.TabularInline[WeeklyHours, BusinessCalendar]):
    model = WeeklyHours
    extra = 0
    fields = ["weekday", "opens", "closes"]


class SpecialDateInline(admin.TabularInline[SpecialDate, BusinessCalendar]):
    model = SpecialDate
    extra = 0
    fields = ["date", "name_zh_hans", "name_en", "opens", "closes"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ["name", "time_zone", "always_open", "status_now"]
    list_filter = ["always_open", "time_zone"]
    search_fields = ["name"]
    inlines = [WeeklyHoursInline, SpecialDateInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BusinessCalendar]:
        # The status column needs every calendar's rules: fetch them in two queries.
        return super().get_queryset(request).prefetch_related("weekly_hours", "special_dates")

    @admin.display(description=_("status now"))
    def status_now(self, calendar: BusinessCalendar) -> str:
        status = status_at(schedule_for(calendar), timezone.now())
        return f"{status.label} · {status.detail}"
