"""Test settings: fast hasher, tasks run right after commit, in-memory outbox."""

from kefu.config.settings.base import *  # noqa: F403
from kefu.config.settings.base import DATABASES

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
    # One shared in-memory database for the test's threads (the browser tests' server):
    # connections are not kept between requests there, as before CONN_MAX_AGE.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
