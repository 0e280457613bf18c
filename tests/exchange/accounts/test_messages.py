"""Every email and SMS carries the anti-phishing code; the HTTP SMS provider adapter."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from kefu.exchange.accounts.clientinfo import ClientInfo
from kefu.exchange.accounts.models import CodePurpose, Customer, OutboxSms
from kefu.exchange.accounts.services.freeze import customer_freeze
from kefu.exchange.accounts.services.login import login_attempt
from kefu.exchange.accounts.services.reset import reset_request
from kefu.exchange.accounts.services.signin import signin_complete
from kefu.exchange.accounts.services.support import support_reset_2fa
from kefu.exchange.accounts.services.twofa import sms_code_send
from kefu.exchange.accounts.sms import SmsError, SmsMessage
from kefu.exchange.accounts.sms.http import JsonHttpSmsBackend

pytestmark = pytest.mark.django_db
Commits = Callable[[], AbstractContextManager[Any]]


def test_every_email_and_sms_carries_the_anti_phishing_code(
    make_customer: Callable[..., Customer], commits: Commits
) -> None:
    by_mail = make_customer("bob@example.com")
    by_phone = make_customer("+8613800138000", language="zh-hans")
    Customer.objects.filter(pk__in=[by_mail.pk, by_phone.pk]).update(anti_phishing_code="Tiger88")
    with commits():
        reset_request(identifier="bob@example.com")
        reset_request(identifier="+8613800138000")
        for who in (by_mail, by_phone):
            signin_complete(customer_id=who.pk, client=ClientInfo(ip="203.0.113.1"),
                            session_key="")
            signin_complete(customer_id=who.pk, client=ClientInfo(ip="198.51.100.1"),
                            session_key="")  # new device -> notice
        Customer.objects.filter(pk=by_phone.pk).update(sms_2fa_enabled=True)
        sms_code_send(customer_id=by_phone.pk, purpose=CodePurpose.LOGIN)
        for _ in range(5):
            login_attempt(identifier="bob@example.com", password="x", client=ClientInfo(ip=None))
        support_reset_2fa(customer_id=by_mail.pk, actor_label="agent", reason="verified")
        customer_freeze(customer_id=by_mail.pk, source="security_page")
        customer_freeze(customer_id=by_phone.pk, source="security_page")
    subjects = {m.subject for m in mail.outbox}
    assert len(mail.outbox) >= 5, subjects
    sms = list(OutboxSms.objects.all())
    assert len(sms) >= 4
    for message in mail.outbox:
        assert "Anti-phishing code: Tiger88" in message.body, message.subject
    for text in sms:
        assert "防钓鱼码：Tiger88" in text.body, text.body


class _Provider(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        type(self).received.append({"auth": self.headers["Authorization"], **body})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "msg-1"}).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    _Provider.received = []
    _Provider.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()


def test_http_provider_speaks_its_protocol(provider: str) -> None:
    backend = JsonHttpSmsBackend(url=provider, token="tok", sender="Demo")
    assert backend.send(SmsMessage(to="+8613800138000", body="hello")) == "msg-1"
    assert _Provider.received == [
        {"auth": "Bearer tok", "to": "+8613800138000", "from": "Demo", "text": "hello"}
    ]


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (429, False), (503, False)])
def test_http_provider_errors_say_whether_to_retry(
    provider: str, status: int, permanent: bool
) -> None:
    _Provider.status = status
    backend = JsonHttpSmsBackend(url=provider, token="tok", sender="Demo")
    with pytest.raises(SmsError) as info:
        backend.send(SmsMessage(to="+8613800138000", body="hello"))
    assert info.value.permanent is permanent


def test_http_provider_refuses_plain_http_to_remote_hosts() -> None:
    with pytest.raises(ValueError, match="https"):
        JsonHttpSmsBackend(url="http://sms.example.com/send", token="t", sender="s")


def test_reset_code_through_the_http_provider(
    provider: str, make_customer: Callable[..., Customer], commits: Commits
) -> None:
    make_customer("+8613800138000")
    with override_settings(KEFU_SMS_BACKEND="http", KEFU_SMS_HTTP_URL=provider,
                           KEFU_SMS_HTTP_TOKEN="tok"), commits():
        reset_request(identifier="+8613800138000")
    assert len(_Provider.received) == 1
    assert _Provider.received[0]["to"] == "+8613800138000"
    assert not OutboxSms.objects.exists()
