"""RemoteGateway against the real facade: signatures, failures, timeouts, idempotency."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from kefu.core.models import AuditEntry
from kefu.exchange.accounts.models import Customer, CustomerState
from kefu.exchange.wallet.models import Network, Withdrawal
from kefu.exchange.wallet.reasons import FailureReason as WalletReason
from kefu.gateway import GatewayError, GatewayUnavailable, get_gateway
from kefu.gateway.remote import RemoteGateway
from kefu.gateway.signing import sign_headers
from tests.gateway.conftest import SECRET
from tests.gateway.contract import submit_withdrawal

pytestmark = pytest.mark.django_db(transaction=True)


def raw_request(url: str, method: str, path: str, body: bytes, headers: dict[str, str]
                ) -> tuple[int, dict[str, object]]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request(method, parts.path + path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_wrong_secret_is_refused_and_changes_nothing(
    exchange_url: str, customer: Customer
) -> None:
    intruder = RemoteGateway(exchange_url, "not-the-secret", timeout=5)
    with pytest.raises(GatewayError) as caught:
        intruder.freeze(str(customer.public_id), actor_label="agent:x", reason="because")
    assert not isinstance(caught.value, GatewayUnavailable)
    assert "401" in str(caught.value)
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE
    assert not AuditEntry.objects.exists()


def test_unsigned_and_stale_requests_get_401(exchange_url: str, customer: Customer) -> None:
    path = f"/v1/customers/{customer.public_id}/freeze"
    body = json.dumps({"actor_label": "agent:x", "reason": "because"}).encode()
    status, answer = raw_request(exchange_url, "POST", path, body, {"Idempotency-Key": "a"})
    assert status == 401
    assert answer == {"error": {"code": "bad_signature", "message": "missing"}}
    full_path = urlsplit(exchange_url).path + path
    stale = sign_headers(SECRET.encode(), method="POST", path=full_path, body=body,
                         now=time.time() - 301)
    status, answer = raw_request(exchange_url, "POST", path, body,
                                 {**stale, "Idempotency-Key": "b"})
    assert status == 401
    assert answer["error"] == {"code": "bad_signature", "message": "stale"}
    fresh = sign_headers(SECRET.encode(), method="POST", path=full_path, body=body)
    tampered = body.replace(b"because", b"becausE")
    status, _ = raw_request(exchange_url, "POST", path, tampered, {**fresh, "Idempotency-Key": "c"})
    assert status == 401
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_bad_bodies(exchange_url: str, customer: Customer) -> None:
    path = f"/v1/customers/{customer.public_id}/freeze"
    full_path = urlsplit(exchange_url).path + path
    for body, status_expected, code in (
        (b"{not json", 400, "malformed"),
        (b'{"actor_label": "a", "reason": 5}', 422, "invalid"),
        (b'{"actor_label": "a", "reason": "x", "extra": 1}', 422, "invalid"),
    ):
        headers = sign_headers(SECRET.encode(), method="POST", path=full_path, body=body)
        status, answer = raw_request(exchange_url, "POST", path, body,
                                     {**headers, "Idempotency-Key": code + str(len(body))})
        assert (status, answer["error"]["code"]) == (status_expected, code)  # type: ignore[index]
    customer.refresh_from_db()
    assert customer.state == CustomerState.ACTIVE


def test_same_idempotency_key_acts_once(
    remote: RemoteGateway, funded: Customer, networks: dict[str, Network]
) -> None:
    failed = submit_withdrawal(funded, networks["USDT-TRX"],
                               outcome=WalletReason.NODE_ERROR.value)
    networks["USDT-TRX"].simulator = "success"
    networks["USDT-TRX"].save(update_fields=["simulator"])
    first = remote.retry_withdrawal(str(failed.public_id), actor_label="agent:li",
                                    reason="node back", idempotency_key="retry-1")
    second = remote.retry_withdrawal(str(failed.public_id), actor_label="agent:li",
                                     reason="node back", idempotency_key="retry-1")
    assert first.ref == second.ref
    assert Withdrawal.objects.filter(customer=funded).count() == 2
    ref = str(funded.public_id)
    remote.freeze(ref, actor_label="agent:li", reason="asked", idempotency_key="freeze-1")
    remote.freeze(ref, actor_label="agent:li", reason="asked", idempotency_key="freeze-1")
    assert AuditEntry.objects.filter(action="accounts.freeze").count() == 1
    with pytest.raises(GatewayError, match="idempotency_key_reused"):
        remote.unfreeze(ref, actor_label="agent:li", reason="other", idempotency_key="freeze-1")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_exchange_down_is_unavailable_quickly() -> None:
    gateway = RemoteGateway(f"http://127.0.0.1:{closed_port()}/api", SECRET, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        gateway.account_summary("x")
    with pytest.raises(GatewayUnavailable):
        gateway.freeze("x", actor_label="a", reason="b")
    assert time.monotonic() - started < 2.0


@pytest.fixture
def stalling_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_stalled_exchange_is_unavailable_within_the_timeout(stalling_server: int) -> None:
    gateway = RemoteGateway(f"http://127.0.0.1:{stalling_server}", SECRET, timeout=0.5)
    for call in (lambda: gateway.account_summary("x"),
                 lambda: gateway.unlock("x", actor_label="a", reason="b")):
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable):
            call()
        assert time.monotonic() - started < 0.9


def test_get_gateway_builds_remote_from_settings(settings: object, exchange_url: str,
                                                 customer: Customer) -> None:
    settings.KEFU_GATEWAY = "remote"  # type: ignore[attr-defined]
    settings.KEFU_GATEWAY_URL = exchange_url  # type: ignore[attr-defined]
    gateway = get_gateway()
    assert isinstance(gateway, RemoteGateway)
    assert gateway.account_summary(str(customer.public_id)).state == "active"
