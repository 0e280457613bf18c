"""Django admin for desk configuration: teams, agents, SLAs, canned replies, quarantine."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.desk.models import (
    AgentProfile,
    AgentTotpDevice,
    CannedResponse,
    ConversationEvent,
    Label,
    Quarantine,
    SlaPolicy,
    Team,
)
from kefu.desk.otp.services import totp_device_reset
from kefu.desk.otp.staff_views import URL_NAME, staff_second_step

RESET_PERMISSION = "desk.delete_agenttotpdevice"


def _reset_devices(request: HttpRequest, users: list[User]) -> None:
    """The admin action behind both lists: one audited reset per user, then a summary."""
    assert isinstance(request.user, User)
    done = [u.get_username() for u in users
            if totp_device_reset(user=u, actor=request.user, reason="admin action")]
    if done:
        messages.success(request, _(
            "Two-factor device reset for %(names)s. They must set up a new authenticator "
            "at their next sign-in."
        ) % {"names": ", ".join(done)})
    else:
        messages.warning(request, _("None of the selected users had a two-factor device."))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("slug", "name_zh_hans", "name_en", "calendar", "is_default")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin[AgentProfile]):
    list_display = ("display_name", "user", "role", "capacity", "presence", "last_seen")
    list_filter = ("role", "presence", "teams")
    filter_horizontal = ("teams",)
    actions = ("reset_totp",)

    @admin.action(description=gettext_lazy("Reset two-factor device (lost phone)"),
                  permissions=["reset_totp"])
    def reset_totp(self, request: HttpRequest, queryset: QuerySet[AgentProfile]) -> None:
        _reset_devices(request, [p.user for p in queryset.select_related("user")])

    def has_reset_totp_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RESET_PERMISSION)


@admin.register(AgentTotpDevice)
class AgentTotpDeviceAdmin(admin.ModelAdmin[AgentTotpDevice]):
    """Who has an authenticator; resetting one is the only change (the secret never shows).

    Also serves the second step for staff who are not agents (see ``staff_views``).
    """

    list_display = ("user", "confirmed_at", "locked_until", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at", "locked_until", "created_at")
    readonly_fields = fields
    actions = ("reset_totp",)

    @admin.action(description=gettext_lazy("Reset two-factor device (lost phone)"),
                  permissions=["delete"])
    def reset_totp(self, request: HttpRequest, queryset: QuerySet[AgentTotpDevice]) -> None:
        _reset_devices(request, [d.user for d in queryset.select_related("user")])

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a reset is audited; a bulk delete would not be
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and request.user.has_perm(RESET_PERMISSION)

    def get_urls(self) -> list[URLPattern]:
        return [path("second-step/", staff_second_step, name=URL_NAME), *super().get_urls()]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ("name", "priority", "category", "first_response_minutes",
                    "next_response_minutes", "resolution_minutes")


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin[CannedResponse]):
    list_display = ("shortcut", "title_zh_hans", "title_en", "team", "is_active")


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin[Label]):
    list_display = ("slug", "name_zh_hans", "name_en")


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin[Quarantine]):
    """Read-only: rejected deliveries are evidence, not something to edit."""

    list_display = ("received_at", "channel", "idempotency_key", "state", "reason")
    list_filter = ("channel", "reason")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).filter(state="quarantined")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConversationEvent)
class ConversationEventAdmin(admin.ModelAdmin[ConversationEvent]):
    list_display = ("created_at", "conversation", "actor_label", "field", "old_value", "new_value")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
