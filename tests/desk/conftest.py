"""Desk fixtures: two teams, agents inside and outside, a supervisor, a customer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kefu.desk.models import AgentProfile, Conversation, DeskCustomer, Presence, Role, Team
from kefu.desk.otp import session as otp_session
from kefu.desk.otp.services import device_for, totp_demo_device
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import visitor_create
from kefu.desk.services.messages import message_post


@dataclass
class Desk:
    support: Team
    vip: Team
    agent: User
    colleague: User
    outsider: User
    supervisor: User
    stranger: User  # a signed-in user who is not an agent
    customer: DeskCustomer


def make_agent(username: str, *teams: Team, role: str = Role.AGENT, online: bool = True) -> User:
    user = User.objects.create_user(username, password="pw-" + username, is_staff=True)
    profile = AgentProfile.objects.create(
        user=user, display_name=username.title(), role=role,
        presence=Presence.ONLINE if online else Presence.OFFLINE,
    )
    profile.teams.set(teams)
    return user


class DeskClient(Client):
    """A test client whose ``force_login`` also passes the TOTP step of an agent or any
    staff user (the admin asks every staff user for it).

    Most console and admin tests are about something else; tests/desk/test_otp.py and
    tests/desk/test_admin_more.py use a plain ``Client`` to exercise the real second step.
    """

    def force_login(self, user: User, backend: str | None = None) -> None:
        super().force_login(user, backend)
        if user.is_staff or AgentProfile.objects.filter(user=user).exists():
            totp_demo_device(user=user)
            device = device_for(user)
            assert device is not None
            session = self.session
            session[otp_session.SESSION_KEY] = otp_session.token_for(user, device)
            session.save()


@pytest.fixture
def client() -> Client:
    return DeskClient()


@pytest.fixture
def desk(db: None) -> Desk:
    support = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                                  is_default=True)
    vip = Team.objects.create(slug="vip", name_zh_hans="VIP", name_en="VIP")
    return Desk(
        support=support,
        vip=vip,
        agent=make_agent("alice", support),
        colleague=make_agent("bob", support),
        outsider=make_agent("victor", vip),
        supervisor=make_agent("sam", role=Role.SUPERVISOR),
        stranger=User.objects.create_user("mallory", password="pw-mallory"),
        customer=visitor_create(display_name="Zhang San"),
    )


def open_conversation(desk: Desk, text: str = "我的提现失败了", **kwargs: object) -> Conversation:
    conversation = conversation_open(customer=desk.customer, channel="web",
                                     category="withdrawal", **kwargs)  # type: ignore[arg-type]
    message_post(conversation_id=conversation.pk, kind="customer", body=text,
                 author_customer=desk.customer)
    conversation.refresh_from_db()
    return conversation
