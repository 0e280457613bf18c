"""Retry or cancel a customer's withdrawal from the context panel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.desk import selectors
from kefu.desk.errors import DeskError
from kefu.desk.forms import RevealForm
from kefu.desk.models import AgentProfile
from kefu.desk.services.withdrawals import (
    WithdrawalAction,
    WithdrawalActionFailed,
    withdrawal_act,
)
from kefu.desk.views.common import agent_required

# Messages with this tag are shown inside the withdrawals panel, not at the top.
PANEL_TAG = "withdrawals"


def _act(request: HttpRequest, profile: AgentProfile, pk: int, ref: str,
         action: WithdrawalAction) -> HttpResponse:
    conversation = selectors.conversation_for(profile, pk)
    back = redirect(reverse("desk:conversation", args=[pk]) + "#withdrawals")
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, DeskError("reason_required").message, extra_tags=PANEL_TAG)
        return back
    try:
        result = withdrawal_act(conversation=conversation, withdrawal_ref=ref[:100],
                                action=action, actor=profile.user,
                                reason=form.cleaned_data["reason"])
    except WithdrawalActionFailed as exc:
        text = exc.message or _(
            "The exchange did not answer, nothing was changed. Try again in a moment."
        )
        messages.error(request, _("The exchange refused: %(reason)s") % {"reason": text}
                       if exc.message else text, extra_tags=PANEL_TAG)
        return back
    done = _("Withdrawal %(ref)s retried: now %(state)s.") if action == "retry" else _(
        "Withdrawal %(ref)s cancelled: now %(state)s."
    )
    messages.success(request, done % {"ref": ref, "state": result.state}, extra_tags=PANEL_TAG)
    return back


@require_POST
@agent_required
def withdrawal_retry(request: HttpRequest, profile: AgentProfile, pk: int, ref: str
                     ) -> HttpResponse:
    return _act(request, profile, pk, ref, "retry")


@require_POST
@agent_required
def withdrawal_cancel(request: HttpRequest, profile: AgentProfile, pk: int, ref: str
                      ) -> HttpResponse:
    return _act(request, profile, pk, ref, "cancel")
