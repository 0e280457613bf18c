"""Access for the console: only active users with an agent profile; others get 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from kefu.desk.errors import DeskError
from kefu.desk.models import AgentProfile, AgentTotpDevice
from kefu.desk.otp import session as otp_session
from kefu.desk.services.assignment import agent_heartbeat

P = ParamSpec("P")
AgentView = Callable[Concatenate[HttpRequest, AgentProfile, P], HttpResponse]


def _profile(request: HttpRequest) -> AgentProfile | HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("desk:login"))
    assert isinstance(user, User)
    # The TOTP device comes with the profile: one query for what every console page checks.
    profile = (
        AgentProfile.objects.select_related("user__desk_totp").filter(user=user).first()
        if user.is_active
        else None
    )
    if profile is None:
        raise Http404
    return profile


def otp_redirect(request: HttpRequest, user: User) -> HttpResponse:
    """To the TOTP check, or to enrolment when the agent has no confirmed device yet."""
    confirmed = AgentTotpDevice.objects.filter(
        user_id=user.pk, confirmed_at__isnull=False
    ).exists()
    target = reverse("desk:otp_verify" if confirmed else "desk:otp_enrol")
    if request.method == "GET" and not request.headers.get("HX-Request"):
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


def agent_password_only(
    view: AgentView[P],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """For the TOTP pages themselves: an agent who has passed the password step."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        profile = _profile(request)
        if isinstance(profile, HttpResponse):
            return profile
        return view(request, profile, *args, **kwargs)

    return wrapper


def agent_required(view: AgentView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Anonymous: to the desk login. Signed in without an agent profile: 404, nothing shown.
    An agent who has not passed the TOTP check in this session: to the check (or enrolment).

    A ``not_found`` DeskError from a selector or service becomes a 404 as well, so a
    conversation outside the agent's teams looks exactly like one that does not exist.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        profile = _profile(request)
        if isinstance(profile, HttpResponse):
            return profile
        user = profile.user
        # Non-agents got their 404 above; the second factor guards everything else.
        if not otp_session.is_verified(request, user):
            return otp_redirect(request, user)
        agent_heartbeat(user=user)
        try:
            return view(request, profile, *args, **kwargs)
        except DeskError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            raise

    return wrapper
