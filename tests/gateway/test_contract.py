"""The contract, run against both implementations (``gateway`` is parametrised)."""

from tests.gateway.contract import *  # noqa: F403
