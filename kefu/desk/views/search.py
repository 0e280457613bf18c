"""Search across conversations and customers, and the agent's @mentions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.desk import selectors
from kefu.desk.models import AgentProfile, Presence
from kefu.desk.views.common import agent_required


@require_GET
@agent_required
def search(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    results = selectors.search(profile, request.GET.get("q", ""))
    visible = selectors.visible_conversations(profile)
    customers = [
        (customer, list(visible.filter(customer=customer).order_by("-created_at")[:5]))
        for customer in results.customers
    ]
    return render(request, "desk/search.html", {
        "profile": profile, "presences": Presence.choices, "results": results,
        "customers": customers, "limit": selectors.SEARCH_LIMIT,
    })


@require_GET
@agent_required
def mentions(request: HttpRequest, profile: AgentProfile) -> HttpResponse:
    return render(request, "desk/mentions.html", {
        "profile": profile, "presences": Presence.choices,
        "mentions": selectors.recent_mentions(profile),
    })
