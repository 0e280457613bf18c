"""Private notes with @mentions: the mentioned agents must be able to see the conversation."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from kefu.desk.models import AgentProfile, Conversation, Mention, MessageKind
from kefu.desk.services.messages import PostResult, message_post

# "@name" not preceded by a word character, so "a@example.com" is an address, not a mention.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]{1,150})")


class MentionRefused(Exception):
    """Someone mentioned cannot see the conversation; nothing was posted."""

    def __init__(self, usernames: list[str]) -> None:
        super().__init__(", ".join(usernames))
        self.usernames = usernames


def mentioned_usernames(body: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).rstrip("."), None)
    return list(seen)


def _mentioned_agents(conversation: Conversation, body: str) -> list[User]:
    """Agents named in ``body``; unknown names are plain text. Raises if one lacks access."""
    from kefu.desk.selectors import visible_conversations

    names = mentioned_usernames(body)
    if not names:
        return []
    profiles = AgentProfile.objects.filter(
        user__username__in=names, user__is_active=True
    ).select_related("user")
    refused = [
        p.user.get_username() for p in profiles
        if not visible_conversations(p).filter(pk=conversation.pk).exists()
    ]
    if refused:
        raise MentionRefused(sorted(refused))
    return [p.user for p in profiles]


@transaction.atomic
def note_post(
    *, conversation: Conversation, body: str, author: User, client_msg_id: str = ""
) -> PostResult:
    """Post a private note and notify the agents it @mentions (author excluded)."""
    mentioned = _mentioned_agents(conversation, body)
    result = message_post(conversation_id=conversation.pk, kind=MessageKind.NOTE, body=body,
                          author_user=author, client_msg_id=client_msg_id)
    if result.created:
        Mention.objects.bulk_create([
            Mention(message=result.message, conversation=conversation, mentioned=user,
                    author=author)
            for user in mentioned if user.pk != author.pk
        ])
    return result


def mentions_mark_read(*, user: User, conversation: Conversation) -> None:
    Mention.objects.filter(mentioned=user, conversation=conversation, read_at__isnull=True).update(
        read_at=timezone.now()
    )
