"""Gateway fixtures: the two implementations, a customer, the demo networks.

``gateway`` is parametrised: the built-in gateway called directly, and RemoteGateway
talking real signed HTTP to the facade (kefu.exchange.api) served by ``live_server``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.demo import seed_assets
from kefu.exchange.wallet.models import Network
from kefu.gateway import ExchangeGateway
from kefu.gateway.builtin import BuiltinGateway
from kefu.gateway.remote import RemoteGateway
from tests.exchange.wallet.conftest import fund, make_customer

SECRET = "contract-test-secret-0123456789"


@pytest.fixture
def exchange_url(live_server: LiveServer, settings: Any) -> str:
    settings.KEFU_GATEWAY_SECRET = SECRET
    return f"{live_server.url}/api/exchange"


@pytest.fixture
def remote(exchange_url: str) -> RemoteGateway:
    return RemoteGateway(exchange_url, SECRET, timeout=5.0)


@pytest.fixture(params=["builtin", "remote"])
def gateway(request: pytest.FixtureRequest) -> Iterator[ExchangeGateway]:
    if request.param == "builtin":
        yield BuiltinGateway()
    else:
        yield request.getfixturevalue("remote")


@pytest.fixture
def networks(transactional_db: None) -> dict[str, Network]:
    return {f"{n.asset.code}-{n.code}": n for n in seed_assets()}


@pytest.fixture
def customer(transactional_db: None) -> Customer:
    return make_customer("wang.wei@example.com")


@pytest.fixture
def funded(customer: Customer, networks: dict[str, Network]) -> Customer:
    fund(customer, networks["USDT-TRX"], "1000")
    return customer
