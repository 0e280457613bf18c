"""A generic JSON-over-HTTPS SMS provider.

Protocol: ``POST <url>`` with ``Authorization: Bearer <token>`` and the JSON body
``{"to": "+86…", "from": "<sender>", "text": "…"}``; a 2xx answer carries
``{"id": "<provider message id>"}``. 4xx answers are permanent failures (bad number,
bad credentials), 5xx and network errors are worth a retry.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from kefu.exchange.accounts.sms.base import SmsError, SmsMessage

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class JsonHttpSmsBackend:
    def __init__(self, *, url: str, token: str, sender: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in _LOOPBACK:
            raise ValueError("the SMS provider URL must use https")
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, message: SmsMessage) -> str:
        payload = json.dumps({"to": message.to, "from": self.sender, "text": message.body})
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code != 429  # 429: slow down, then retry
            raise SmsError(f"provider answered {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"provider unreachable: {exc}", permanent=False) from exc
        try:
            data = json.loads(body)
            message_id = data["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError("provider answer has no message id", permanent=False) from exc
        return str(message_id)
