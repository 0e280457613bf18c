"""``may_see`` (the inbox stream's rule in Python) agrees with ``visible_conversations``."""

from __future__ import annotations

import pytest

from kefu.desk.models import AgentProfile, Conversation, Team
from kefu.desk.selectors import may_see, team_ids_of, visible_conversations
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import customer_for_account
from tests.desk.conftest import make_agent


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_may_see_matches_the_query_for_every_kind_of_conversation(role: str) -> None:
    support = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support")
    vip = Team.objects.create(slug="vip", name_zh_hans="VIP", name_en="VIP")
    user = make_agent("alice", support, role=role)
    other = make_agent("victor", vip)
    customer = customer_for_account(external_ref="acct-1")
    conversations = [conversation_open(customer=customer, channel="web", team=team)
                     for team in (support, vip, None)]
    mine_elsewhere = conversation_open(customer=customer, channel="web", team=vip)
    Conversation.objects.filter(pk=mine_elsewhere.pk).update(assignee=user)
    theirs = conversation_open(customer=customer, channel="web", team=support)
    Conversation.objects.filter(pk=theirs.pk).update(assignee=other)
    profile = AgentProfile.objects.get(user=user)
    teams = team_ids_of(profile)
    seen = set(visible_conversations(profile).values_list("pk", flat=True))
    for conversation in [*conversations, mine_elsewhere, theirs]:
        conversation.refresh_from_db()
        assert may_see(profile, teams, team_id=conversation.team_id,
                       assignee_id=conversation.assignee_id) == (conversation.pk in seen)
    assert len(seen) == (5 if role != "agent" else 4)
