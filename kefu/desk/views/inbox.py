"""Inbox views: mine, unassigned, my teams, all — with filters and unread counts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kefu.desk import selectors
from kefu.desk.forms import PresenceForm
from kefu.desk.models import AgentProfile, Category, Channel, Label, Presence, Status
from kefu.desk.services.assignment import agent_set_presence
from kefu.desk.views.common import agent_required


@require_GET
@agent_required
def inbox(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    query = request.GET.dict()
    unread = selectors.unread_counts(profile)
    if "view" not in query and not unread["mine"] and unread["unassigned"]:
        # Nothing of one's own to answer: start where customers are waiting.
        query["view"] = "unassigned"
    flt = selectors.InboxFilter.from_query(query)
    context = {
        "profile": profile,
        "flt": flt,
        "conversations": selectors.inbox_page(profile, flt),
        "unread": unread,
        "views": [
            ("mine", "Mine"), ("unassigned", "Unassigned"), ("teams", "My teams"), ("all", "All"),
        ],
        "statuses": Status.choices,
        "categories": Category.choices,
        "channels": Channel.choices,
        "labels": Label.objects.all(),
        "presences": Presence.choices,
        "query": request.GET.urlencode(),
    }
    template = "desk/_inbox_rows.html" if request.headers.get("HX-Request") else "desk/inbox.html"
    return render(request, template, context)


@require_POST
@agent_required
def presence(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    form = PresenceForm(request.POST)
    if form.is_valid():
        agent_set_presence(user=profile.user, presence=form.cleaned_data["presence"])
    return redirect("desk:inbox")
