"""Staff admin of exchange customers: read-only rows, support actions with a stated reason.

Nothing here edits a field directly: unlock / freeze / unfreeze / reset 2FA go through
``services/support.py`` (activity event + audit row), after a confirmation page that asks
why. Secrets (password hash, TOTP seed, code hashes, anti-phishing code) are never shown.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from kefu.exchange.accounts.identifiers import mask_email, mask_phone, normalize_phone
from kefu.exchange.accounts.models import ActivityEvent, Customer, CustomerState
from kefu.exchange.accounts.services import support
from kefu.exchange.accounts.services.common import AccountError

MAX_REASON = 500
SupportAction = Callable[..., None]
CUSTOMER_FIELDS = (
    "public_id", "masked_email", "masked_phone", "current_state", "locked_until",
    "failed_logins", "two_factor", "anti_phishing_set", "withdrawal_cooldown_until",
    "cooldown_reason", "verification_level", "language", "last_login_at",
    "activity_reviewed_at", "created_at",
)
EVENT_FIELDS = ("created_at", "customer_ref", "kind", "ip", "device_label", "user_agent",
                "location", "data")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit log)"), max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class StateFilter(admin.SimpleListFilter):
    """The state customers experience now: a lock that expired counts as active."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(CustomerState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        from django.utils import timezone

        now = timezone.now()
        value = self.value()
        if value == CustomerState.FROZEN:
            return queryset.filter(state=CustomerState.FROZEN)
        if value == CustomerState.LOCKED:
            return queryset.exclude(state=CustomerState.FROZEN).filter(locked_until__gt=now)
        if value == CustomerState.ACTIVE:
            return queryset.exclude(state=CustomerState.FROZEN).filter(
                Q(locked_until__isnull=True) | Q(locked_until__lte=now)
            )
        return queryset


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ["public_id", "masked_email", "masked_phone", "current_state",
                    "two_factor", "withdrawal_cooldown_until", "created_at"]
    list_filter = [StateFilter, "sms_2fa_enabled", "verification_level"]
    search_fields = ["email", "phone"]
    search_help_text = _("Full email address, phone number (any format) or reference")
    ordering = ["-created_at"]
    fields = CUSTOMER_FIELDS
    readonly_fields = CUSTOMER_FIELDS
    actions = ["unlock", "freeze", "unfreeze", "reset_2fa"]

    # --- read-only: no add, change or delete from the admin
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        return False

    def has_support_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_customer")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        """Exact matches only (no browsing the customer base by fragments); phone numbers
        in any format are normalised first."""
        term = search_term.strip()[:254]
        if not term:
            return queryset, False
        lookup = Q(email=term.lower())
        with contextlib.suppress(ValidationError):
            lookup |= Q(phone=normalize_phone(term))
        with contextlib.suppress(ValueError):
            lookup |= Q(public_id=uuid.UUID(term))
        return queryset.filter(lookup), False

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, customer: Customer) -> SafeString:
        # Django labels the box with str(customer), the full address: use the reference.
        attrs = {"class": "action-select", "aria-label": str(customer.public_id)}
        return forms.CheckboxInput(attrs, lambda value: False).render(
            ACTION_CHECKBOX_NAME, str(customer.pk)
        )

    @admin.display(description=_("email"))
    def masked_email(self, customer: Customer) -> str:
        return mask_email(customer.email) or "—"

    @admin.display(description=_("phone"))
    def masked_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone) or "—"

    @admin.display(description=_("state"))
    def current_state(self, customer: Customer) -> str:
        return str(customer.effective_state().label)

    @admin.display(description=_("2FA"), boolean=True)
    def two_factor(self, customer: Customer) -> bool:
        return customer.two_factor_enabled

    @admin.display(description=_("anti-phishing code set"), boolean=True)
    def anti_phishing_set(self, customer: Customer) -> bool:
        return bool(customer.anti_phishing_code)

    # --- support actions, each through a confirmation page asking for the reason
    def _confirm(self, request: HttpRequest, queryset: QuerySet[Customer], *, action: str,
                 title: str, service: SupportAction) -> HttpResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = 0, []
            for customer in queryset.order_by("pk"):
                try:
                    service(customer_id=customer.pk, reason=form.cleaned_data["reason"],
                            actor=request.user, actor_label=request.user.get_username())
                    done += 1
                except AccountError as exc:
                    refused.append(f"{customer.public_id} ({exc.code})")
            if done:
                self.message_user(request, _("%(action)s: done for %(count)d customer(s).")
                                  % {"action": title, "count": done}, messages.SUCCESS)
            if refused:
                self.message_user(request, _("Not done for: %(list)s")
                                  % {"list": ", ".join(refused)}, messages.WARNING)
            return None
        return TemplateResponse(request, "admin/accounts/customer/support_action.html", {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "customers": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        })

    @admin.action(description=_("Unlock"), permissions=["support"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        return self._confirm(request, queryset, action="unlock", title=str(_("Unlock")),
                             service=support.support_unlock)

    @admin.action(description=_("Freeze"), permissions=["support"])
    def freeze(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        return self._confirm(request, queryset, action="freeze", title=str(_("Freeze")),
                             service=support.support_freeze)

    @admin.action(description=_("Unfreeze"), permissions=["support"])
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        return self._confirm(request, queryset, action="unfreeze", title=str(_("Unfreeze")),
                             service=support.support_unfreeze)

    @admin.action(description=_("Reset 2FA"), permissions=["support"])
    def reset_2fa(self, request: HttpRequest, queryset: QuerySet[Customer]) -> HttpResponse | None:
        return self._confirm(request, queryset, action="reset_2fa", title=str(_("Reset 2FA")),
                             service=support.support_reset_2fa)


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin[ActivityEvent]):
    """Append-only log: readable, never added to, changed or deleted from the admin."""

    list_display = ["created_at", "customer_ref", "kind", "ip", "device_label", "location"]
    list_filter = ["kind"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS

    @admin.display(description=_("customer"))
    def customer_ref(self, event: ActivityEvent) -> str:
        return str(event.customer.public_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest,
                              obj: ActivityEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: ActivityEvent | None = None) -> bool:
        return False
