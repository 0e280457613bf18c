"""Access for the console: only active users with an agent profile; others get 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from kefu.desk.errors import DeskError
from kefu.desk.models import AgentProfile
from kefu.desk.services.assignment import agent_heartbeat

P = ParamSpec("P")
AgentView = Callable[Concatenate[HttpRequest, AgentProfile, P], HttpResponse]


def agent_required(view: AgentView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Anonymous: to the desk login. Signed in without an agent profile: 404, nothing shown.

    A ``not_found`` DeskError from a selector or service becomes a 404 as well, so a
    conversation outside the agent's teams looks exactly like one that does not exist.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("desk:login"))
        assert isinstance(user, User)
        profile = (
            AgentProfile.objects.select_related("user").filter(user=user).first()
            if user.is_active
            else None
        )
        if profile is None:
            raise Http404
        agent_heartbeat(user=user)
        try:
            return view(request, profile, *args, **kwargs)
        except DeskError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            raise

    return wrapper
