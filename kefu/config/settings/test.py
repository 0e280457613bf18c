"""Test settings: fast hasher, tasks run right after commit, in-memory outbox."""

import os

from kefu.config.settings.base import *  # noqa: F403
from kefu.config.settings.base import CACHES, CHANNEL_LAYERS, DATABASES, REDIS_URL

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
KEFU_TASK_BACKEND = "immediate"
KEFU_DEMO = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["OPTIONS"] = {
        key: value
        for key, value in DATABASES["default"]["OPTIONS"].items()
        if key != "init_command"
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Connections are not kept between calls: SQLite's in-memory database is shared by the test's
# threads (the browser tests' server), and on PostgreSQL the chat's database threads
# (kefu.chat.db) must not hold the test database open when it is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if REDIS_URL:
    # pytest-xdist workers share one Redis database: without a prefix of their own, one
    # worker's doorbells (group "desk.inbox", conversation ids that overlap between the
    # workers' databases) and cache entries reach the other's tests.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"kefu-test-{_worker}"
    CACHES["default"]["KEY_PREFIX"] = f"kefu-test-{_worker}"
