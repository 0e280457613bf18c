"""Periodic desk work; thin wrappers around services (run them every minute)."""

from __future__ import annotations

from kefu.core.tasks import periodic
from kefu.desk.services.assignment import return_to_queue
from kefu.desk.services.conversations import conversations_wake_snoozed
from kefu.desk.services.sla import sla_mark_breaches


@periodic(every=60)
def desk_minutely() -> None:
    """Return offline agents' conversations, wake snoozed ones, record SLA breaches."""
    return_to_queue()
    conversations_wake_snoozed()
    sla_mark_breaches()
