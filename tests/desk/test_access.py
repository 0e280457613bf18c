"""Every desk URL, generated from the URL map: outsiders get 404 and nothing changes.

A new endpoint must be classified below (object endpoint with <pk>, or one of the few
without a conversation), or ``test_every_endpoint_is_classified`` fails.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import translation

from kefu.desk import urls as desk_urls
from kefu.desk.models import Conversation, ConversationEvent, Message
from kefu.desk.services.customers import identity_add
from tests.desk.conftest import Desk, open_conversation

pytestmark = pytest.mark.django_db

WITHOUT_CONVERSATION = {
    "inbox", "presence", "login", "logout", "otp_enrol", "otp_verify", "search", "mentions",
}
# Console pages without a conversation that still need an agent.
AGENT_PAGES = sorted(WITHOUT_CONVERSATION - {"login", "logout"})
PATTERNS: list[URLPattern] = [p for p in desk_urls.urlpatterns if isinstance(p, URLPattern)]
OBJECT_ENDPOINTS = sorted(
    p.name for p in PATTERNS if p.name and "pk" in p.pattern.converters
)


def test_every_endpoint_is_classified() -> None:
    names = {p.name for p in PATTERNS}
    assert names == WITHOUT_CONVERSATION | set(OBJECT_ENDPOINTS)


def _url(name: str, conversation: Conversation, identity_id: int) -> str:
    pattern = next(p for p in PATTERNS if p.name == name)
    values = {"pk": conversation.pk, "seq": 1, "identity_id": identity_id, "canned_id": 1,
              "ref": "w-1", "att_id": 1}
    kwargs = {key: values[key] for key in pattern.pattern.converters}
    with translation.override("en"):
        return reverse(f"desk:{name}", kwargs=kwargs)


def _snapshot() -> tuple[int, int, list[tuple[object, ...]]]:
    return (Message.objects.count(), ConversationEvent.objects.count(),
            list(Conversation.objects.values_list("status", "assignee_id", "team_id")))


@pytest.mark.parametrize("name", OBJECT_ENDPOINTS)
@pytest.mark.parametrize("who", ["outsider", "stranger"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_and_nothing_changes(
    client: Client, desk: Desk, name: str, who: str, method: str
) -> None:
    conversation = open_conversation(desk)  # in the Support team; victor is in VIP
    identity = identity_add(customer=desk.customer, kind="email", address="z@example.com")
    client.force_login(getattr(desk, who))
    before = _snapshot()
    data = {"body": "x", "kind": "agent", "action": "resolve", "assignee": desk.outsider.pk,
            "team": desk.vip.pk, "reason": "curious", "category": "other", "label": 1,
            "op": "add"}
    response = getattr(client, method)(_url(name, conversation, identity.pk), data)
    assert response.status_code in (404, 405)
    assert b"Zhang" not in response.content
    assert _snapshot() == before


@pytest.mark.parametrize("name", OBJECT_ENDPOINTS)
def test_anonymous_visitors_are_sent_to_the_login(client: Client, desk: Desk, name: str) -> None:
    conversation = open_conversation(desk)
    response = client.get(_url(name, conversation, 1))
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert "/desk/login/" in response["Location"]


@pytest.mark.parametrize("name", AGENT_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_in_non_agent_gets_404_on_the_console(
    client: Client, desk: Desk, name: str, method: str
) -> None:
    client.force_login(desk.stranger)
    with translation.override("en"):
        response = getattr(client, method)(reverse(f"desk:{name}"), {"code": "123456", "q": "Zh"})
    assert response.status_code in (404, 405)
    assert b"Zhang" not in response.content


def test_agents_in_the_team_and_supervisors_get_in(client: Client, desk: Desk) -> None:
    conversation = open_conversation(desk)
    for user in (desk.agent, desk.supervisor):
        client.force_login(user)
        with translation.override("en"):
            page = reverse("desk:conversation", args=[conversation.pk])
        assert client.get(page).status_code == 200


def test_posts_need_the_csrf_token(desk: Desk) -> None:
    conversation = open_conversation(desk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent)
    with translation.override("en"):
        response = client.post(reverse("desk:reply", args=[conversation.pk]),
                               {"body": "hi", "kind": "agent"})
    assert response.status_code == 403
    assert Message.objects.count() == 1
