"""Customer satisfaction, asked after resolution on the same channel."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from kefu.desk import events
from kefu.desk.errors import DeskError
from kefu.desk.locks import lock_conversation
from kefu.desk.models import CsatRating, DeskCustomer, Status
from kefu.desk.services.common import record_event


@transaction.atomic
def csat_submit(
    *, conversation_id: int, customer: DeskCustomer, score: int, comment: str = ""
) -> CsatRating:
    if not 1 <= score <= 5:
        raise DeskError("invalid_score")
    conversation = lock_conversation(conversation_id)
    if conversation.customer_id != customer.pk:
        raise DeskError("not_found")
    if conversation.status not in (Status.RESOLVED, Status.CLOSED):
        raise DeskError("csat_not_allowed")
    try:
        with transaction.atomic():
            rating = CsatRating.objects.create(
                conversation=conversation, score=score, comment=comment.strip()[:2000],
                agent_id=conversation.assignee_id,
            )
    except IntegrityError:
        raise DeskError("csat_already") from None
    record_event(conversation, actor=None, field="csat", new=score)
    events.publish(conversation.pk, {"event": "csat.submitted", "score": score})
    return rating
