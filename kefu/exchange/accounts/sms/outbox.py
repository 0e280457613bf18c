from __future__ import annotations

from kefu.exchange.accounts.models import OutboxSms
from kefu.exchange.accounts.sms.base import SmsMessage


class OutboxSmsBackend:
    """The demo backend: messages land in a table that the demo outbox page lists."""

    def send(self, message: SmsMessage) -> str:
        row = OutboxSms.objects.create(to=message.to, body=message.body)
        return f"outbox-{row.pk}"
