"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL is set."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
