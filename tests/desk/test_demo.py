from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kefu.desk.demo import seed_demo_desk
from kefu.desk.models import AgentProfile, Conversation, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_desk_is_idempotent() -> None:
    User.objects.create_user("agent", is_staff=True)
    User.objects.create_user("admin", is_staff=True, is_superuser=True)
    first = seed_demo_desk()
    second = seed_demo_desk()
    assert first["conversations"] == 4
    assert second["conversations"] == 0
    assert Conversation.objects.filter(status=Status.OPEN).count() == 4
    assert AgentProfile.objects.count() == 2
