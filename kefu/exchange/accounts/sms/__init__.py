"""Sending SMS through a provider interface; the backend is chosen by KEFU_SMS_BACKEND."""

from __future__ import annotations

from django.conf import settings

from kefu.exchange.accounts.sms.base import SmsBackend, SmsError, SmsMessage


def get_sms_backend() -> SmsBackend:
    kind: str = settings.KEFU_SMS_BACKEND
    if kind == "http":
        from kefu.exchange.accounts.sms.http import JsonHttpSmsBackend

        return JsonHttpSmsBackend(
            url=settings.KEFU_SMS_HTTP_URL or "",
            token=settings.KEFU_SMS_HTTP_TOKEN or "",
            sender=settings.KEFU_SMS_SENDER,
        )
    from kefu.exchange.accounts.sms.outbox import OutboxSmsBackend

    return OutboxSmsBackend()


__all__ = ["SmsBackend", "SmsError", "SmsMessage", "get_sms_backend"]
