"""Django admin for desk configuration: teams, agents, SLAs, canned replies, quarantine."""

from __future__ import annotations

from django.contrib import admin

from kefu.desk.models import (
    AgentProfile,
    CannedResponse,
    ConversationEvent,
    Label,
    Quarantine,
    SlaPolicy,
    Team,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("slug", "name_zh_hans", "name_en", "calendar", "is_default")


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin[AgentProfile]):
    list_display = ("display_name", "user", "role", "capacity", "presence", "last_seen")
    list_filter = ("role", "presence", "teams")
    filter_horizontal = ("teams",)


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
