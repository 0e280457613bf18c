"""A throwaway database for a benchmark run, on whatever DATABASE_URL selects.

SQLite gets a temporary file (the test settings' ``:memory:`` would vanish between
connections); PostgreSQL gets ``test_<name>_<suffix>``, dropped afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def throwaway_database(suffix: str, *, test_environment: bool = False) -> Iterator[None]:
    import django
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    database = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmpdir:
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database["TEST"] = {"NAME": str(Path(tmpdir) / "bench.sqlite3")}
        else:
            database["TEST"] = {"NAME": f"test_{database['NAME']}_{suffix}"}
        django.setup()
        if test_environment:
            setup_test_environment()
            settings.ALLOWED_HOSTS = ["testserver"]
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            yield
        finally:
            teardown_databases(old_config, verbosity=0)
