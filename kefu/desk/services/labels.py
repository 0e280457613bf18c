"""Adding and removing a conversation's labels, each change in its history."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import User
from django.db import transaction

from kefu.desk import events
from kefu.desk.locks import lock_conversation
from kefu.desk.models import Label
from kefu.desk.services.common import record_event


@transaction.atomic
def conversation_label(
    *, conversation_id: int, label: Label, op: Literal["add", "remove"], actor: User
) -> bool:
    """Add or remove one label; False (and no history row) when nothing changes."""
    conversation = lock_conversation(conversation_id)
    present = conversation.labels.filter(pk=label.pk).exists()
    if (op == "add") == present:
        return False
    if op == "add":
        conversation.labels.add(label)
        record_event(conversation, actor=actor, field="label", new=label.slug)
    else:
        conversation.labels.remove(label)
        record_event(conversation, actor=actor, field="label", old=label.slug)
    events.publish(conversation.pk, {"event": "conversation.updated", "fields": ["labels"],
                                     "status": conversation.status})
    return True
