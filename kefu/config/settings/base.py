"""Settings shared by every profile; installation-specific values come from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF

from kefu.config.env import env

# Lets ModelAdmin[Model] and QuerySet[Model] be subscripted at run time, for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[3]
PACKAGE_DIR = BASE_DIR / "kefu"
DATA_DIR = Path(env.str("KEFU_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("KEFU_DEBUG", False)
SECRET_KEY = env.str("KEFU_SECRET_KEY", "")  # profiles decide whether a default is acceptable
ALLOWED_HOSTS = env.list("KEFU_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("KEFU_CSRF_TRUSTED_ORIGINS", [])

# The platform whose help desk this is; shown in headers, emails and titles.
KEFU_PLATFORM_NAME = {
    "zh-hans": env.str("KEFU_PLATFORM_NAME_ZH", "示例交易所"),
    "en": env.str("KEFU_PLATFORM_NAME_EN", "Demo Exchange"),
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",
    "django_htmx",
    "csp",
    "kefu.core",
    "kefu.helpcenter",
    "kefu.exchange.accounts",
    "kefu.exchange.wallet",
    "kefu.desk",
    "kefu.chat",
    "kefu.widget",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.desk.middleware.AgentAdminTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kefu.config.urls"
ASGI_APPLICATION = "kefu.config.asgi.application"
WSGI_APPLICATION = "kefu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "kefu.core.context_processors.platform",
                "kefu.exchange.accounts.context_processors.customer",
            ],
        },
    },
]

# --- Database: SQLite by default, anything dj-database-url understands via DATABASE_URL.
_database_url = env.url("DATABASE_URL", schemes={"postgres", "postgresql", "pgsql", "sqlite"})
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters travel apart from the statement and are encoded by psycopg's C
        # code; Django's default, client-side binding, quoted every value in Python —
        # a third of the chat's database thread under load (docs/benchmarks.md).
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "kefu.sqlite3"),
            # Keep the connection between requests: the ASGI server's database calls each
            # run as a "request" (Channels' close_old_connections), and reopening SQLite
            # (PRAGMAs, WAL) around every one of them cost a quarter of the database thread.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers run while the in-process worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and channel layer when REDIS_URL is set, in-memory otherwise.
REDIS_URL = env.url("REDIS_URL", schemes={"redis", "rediss"})
CHANNEL_LAYER_CAPACITY = env.int("KEFU_CHANNEL_CAPACITY", 1000, minimum=100)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kefu",
        }
    }
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            # channels_redis with batched sends and receives (kefu/chat/layers.py).
            "BACKEND": "kefu.chat.layers.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same as the
            # layer's blocking receive (BZPOPMIN 5 s): idle consumers then die with
            # "Timeout reading" (django/channels_redis#422). The server ends BZPOPMIN itself,
            # so reads need no client timeout; a finite one (15 s) made closing event loops
            # hang while cancelling the layer's receive tasks.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None,
                           "socket_connect_timeout": 5}],
                "capacity": CHANNEL_LAYER_CAPACITY,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "kefu.chat.layers.InMemoryChannelLayer",  # sweeps once a second
            "CONFIG": {"capacity": CHANNEL_LAYER_CAPACITY},
        }
    }

# --- Background work: see kefu.core.tasks. A broker URL switches to Celery workers.
CELERY_BROKER_URL = env.url("CELERY_BROKER_URL", schemes={"amqp", "amqps", "redis", "rediss"})
KEFU_TASK_BACKEND = env.choice(
    "KEFU_TASK_BACKEND",
    "celery" if CELERY_BROKER_URL else "thread",
    {"thread", "celery", "immediate"},
)
if KEFU_TASK_BACKEND == "celery" and not CELERY_BROKER_URL:
    from kefu.config.env import EnvError

    raise EnvError("KEFU_TASK_BACKEND", "is 'celery' but CELERY_BROKER_URL is not set")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Passwords and sessions
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content Security Policy: nothing from elsewhere, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Languages: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("KEFU_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
LANGUAGE_COOKIE_SECURE = False
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and uploaded files
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# Single-process installs serve static files from the ASGI app itself (see asgi.py);
# behind a reverse proxy that serves STATIC_ROOT, turn this off.
KEFU_SERVE_STATIC = env.bool("KEFU_SERVE_STATIC", True)

# --- Email: a local outbox folder unless an SMTP server is configured.
EMAIL_URL = env.url("KEFU_EMAIL_URL", schemes={"smtp", "smtps", "smtp+tls"})
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or ""
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = env.str("KEFU_FROM_EMAIL", "support@example.com")

# --- Help center search
KEFU_SEARCH_MAX_QUERY_CHARS = 200

NINJA_PAGINATION_PER_PAGE = 20

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Exchange accounts (kefu.exchange.accounts; see docs/accounts.md)
KEFU_LOGIN_MAX_FAILURES = env.int("KEFU_LOGIN_MAX_FAILURES", 5, minimum=1)
KEFU_LOGIN_WINDOW_MINUTES = env.int("KEFU_LOGIN_WINDOW_MINUTES", 15, minimum=1)
KEFU_LOCKOUT_MINUTES = env.int("KEFU_LOCKOUT_MINUTES", 120, minimum=1)
KEFU_LOGIN_IP_MAX_FAILURES = env.int("KEFU_LOGIN_IP_MAX_FAILURES", 20, minimum=1)
KEFU_SECURITY_COOLDOWN_HOURS = env.int("KEFU_SECURITY_COOLDOWN_HOURS", 24, minimum=0)
KEFU_GEOIP_PATH = env.optional_str("KEFU_GEOIP_PATH")
# Absolute address of this site, for links in emails sent from background tasks.
KEFU_SITE_URL = env.str("KEFU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
KEFU_GATEWAY = env.choice("KEFU_GATEWAY", "builtin", {"builtin", "remote"})
KEFU_SMS_BACKEND = env.choice("KEFU_SMS_BACKEND", "outbox", {"outbox", "http"})
KEFU_SMS_HTTP_URL = env.url("KEFU_SMS_HTTP_URL", schemes={"https", "http"})
KEFU_SMS_HTTP_TOKEN = env.optional_str("KEFU_SMS_HTTP_TOKEN")
KEFU_SMS_SENDER = env.str("KEFU_SMS_SENDER", "Kefu")
if KEFU_SMS_BACKEND == "http" and not KEFU_SMS_HTTP_URL:
    from kefu.config.env import EnvError

    raise EnvError("KEFU_SMS_BACKEND", "is 'http' but KEFU_SMS_HTTP_URL is not set")

# --- Encryption of small secrets at rest (kefu.core.encryption): Fernet keys, newest first.
# The first key encrypts, every key decrypts: prepend a new key to rotate. When empty, one
# key is derived from SECRET_KEY — set explicit keys in production, or rotating SECRET_KEY
# makes every encrypted value unreadable. New key: `python -c "from cryptography.fernet
# import Fernet; print(Fernet.generate_key().decode())"`.
KEFU_ENCRYPTION_KEYS = env.list("KEFU_ENCRYPTION_KEYS", [])

# --- Exchange wallet (kefu.exchange.wallet; see docs/wallet.md)
KEFU_WALLET_ADDRESS_HOLD_HOURS = env.int("KEFU_WALLET_ADDRESS_HOLD_HOURS", 24, minimum=0)
KEFU_WALLET_MAX_NODE_ATTEMPTS = env.int("KEFU_WALLET_MAX_NODE_ATTEMPTS", 5, minimum=1)
KEFU_WALLET_RETRY_BASE_SECONDS = env.int("KEFU_WALLET_RETRY_BASE_SECONDS", 15, minimum=1)
KEFU_WALLET_CONFIRM_POLL_SECONDS = env.int("KEFU_WALLET_CONFIRM_POLL_SECONDS", 30, minimum=1)
KEFU_WALLET_REQUIRE_2FA = env.bool("KEFU_WALLET_REQUIRE_2FA", True)

# --- Support desk (kefu.desk; see docs/desk.md)
KEFU_DESK_OFFLINE_RETURN_MINUTES = env.int("KEFU_DESK_OFFLINE_RETURN_MINUTES", 15, minimum=1)
KEFU_DESK_SLA_WARNING_MINUTES = env.int("KEFU_DESK_SLA_WARNING_MINUTES", 30, minimum=0)
KEFU_DESK_DEFAULT_HANDLING_SECONDS = env.int("KEFU_DESK_DEFAULT_HANDLING_SECONDS", 300, minimum=1)
KEFU_DESK_INBOX_PAGE_SIZE = env.int("KEFU_DESK_INBOX_PAGE_SIZE", 50, minimum=10, maximum=200)

# --- Exchange gateway (remote) --------------------------------------------------------
# kefu.gateway.remote, the HTTP facade kefu.exchange.api and
# the exchange's event webhooks kefu.desk.webhooks (see docs/gateway.md). Secrets may come
# from NAME_FILE. KEFU_GATEWAY_SECRET signs requests Kefu → exchange (and is what the
# built-in facade checks); KEFU_WEBHOOK_SECRET signs events exchange → Kefu.
KEFU_GATEWAY_URL = env.url("KEFU_GATEWAY_URL", schemes={"https", "http"})
KEFU_GATEWAY_SECRET = env.str("KEFU_GATEWAY_SECRET", "")
KEFU_GATEWAY_TIMEOUT = env.int("KEFU_GATEWAY_TIMEOUT", 3, minimum=1, maximum=60)
KEFU_GATEWAY_RETRIES = env.int("KEFU_GATEWAY_RETRIES", 2, minimum=0, maximum=5)
KEFU_WEBHOOK_SECRET = env.str("KEFU_WEBHOOK_SECRET", "")
# Where the built-in exchange's events go: "desk" (in-process), "webhook" (signed POST to
# KEFU_EXCHANGE_EVENTS_URL with KEFU_WEBHOOK_SECRET) or "off".
# Default "off" until the support-request bridge reuses conversations opened by events.
KEFU_EXCHANGE_EVENTS = env.choice("KEFU_EXCHANGE_EVENTS", "desk", {"desk", "webhook", "off"})
KEFU_EXCHANGE_EVENTS_URL = env.url("KEFU_EXCHANGE_EVENTS_URL", schemes={"https", "http"})
INSTALLED_APPS += ["kefu.exchange.api"]  # idempotency records of the HTTP facade
if KEFU_GATEWAY == "remote" and not (KEFU_GATEWAY_URL and KEFU_GATEWAY_SECRET):
    from kefu.config.env import EnvError

    raise EnvError("KEFU_GATEWAY", "is 'remote' but KEFU_GATEWAY_URL or KEFU_GATEWAY_SECRET "
                   "is not set")
if KEFU_EXCHANGE_EVENTS == "webhook" and not (KEFU_EXCHANGE_EVENTS_URL and KEFU_WEBHOOK_SECRET):
    from kefu.config.env import EnvError

    raise EnvError("KEFU_EXCHANGE_EVENTS", "is 'webhook' but KEFU_EXCHANGE_EVENTS_URL or "
                   "KEFU_WEBHOOK_SECRET is not set")

# --- Desk <-> built-in exchange link (kefu/exchange/accounts/desk_link.py; docs/desk.md)
# The desk never imports kefu.exchange: the accounts app hands over support requests and
# tells the desk who is signed in through these dotted paths.
KEFU_CUSTOMER_RESOLVER = "kefu.exchange.accounts.desk_link.customer_ref_for_request"
KEFU_CUSTOMER_MAILBOX = "kefu.exchange.accounts.desk_link.mailbox_for_ref"
KEFU_SUPPORT_REQUEST_SINK = "kefu.desk.bridge.receive_support_request"
# --- end desk link

# --- Live chat (kefu.chat; see docs/chat-protocol.md) ----------------------------------
# Origins (scheme://host[:port]) whose pages may open /ws/chat/; KEFU_SITE_URL's origin is
# always allowed. Native apps send no Origin header and are let in (a browser always
# sends one, so a missing Origin cannot be a hostile web page).
KEFU_CHAT_ALLOWED_ORIGINS = env.list("KEFU_CHAT_ALLOWED_ORIGINS", [])
# Shared with the platform's backend, which signs customer tokens with it (may come from
# KEFU_CHAT_TOKEN_SECRET_FILE). When empty, kefu.chat.tokens derives a key from SECRET_KEY:
# fine for the demo, where Kefu mints every token itself, but a platform cannot know that
# key — set an explicit secret in production (rotating SECRET_KEY would also void tokens).
KEFU_CHAT_TOKEN_SECRET = env.str("KEFU_CHAT_TOKEN_SECRET", "")
KEFU_CHAT_TOKEN_MAX_AGE = env.int("KEFU_CHAT_TOKEN_MAX_AGE", 3600, minimum=30)
KEFU_CHAT_VISITOR_TOKEN_MAX_AGE = env.int(
    "KEFU_CHAT_VISITOR_TOKEN_MAX_AGE", 30 * 24 * 3600, minimum=3600
)
KEFU_CHAT_MAX_FRAME_BYTES = env.int("KEFU_CHAT_MAX_FRAME_BYTES", 16384, minimum=1024)
# `send` frames per connection per 10 s; every frame type together may use five times this.
KEFU_CHAT_RATE = env.int("KEFU_CHAT_RATE", 20, minimum=1)
# The server pings this often and closes connections silent for twice as long.
KEFU_CHAT_HEARTBEAT_SECONDS = env.int("KEFU_CHAT_HEARTBEAT_SECONDS", 25, minimum=1, maximum=300)
# The server process's garbage-collector thresholds (gc.set_threshold, applied in
# kefu/config/asgi.py): young collections far less often than Python's 700, so that
# 1,000 open connections do not pay a full collection every few seconds.
KEFU_GC_THRESHOLDS = env.ints("KEFU_GC_THRESHOLDS", (50_000, 20, 100), minimum=1)
# Threads (each with its own connection) the chat's consumers use for the database, and
# batches of customer messages written at once (kefu.chat.db, kefu.chat.writes). SQLite
# takes one writer at a time, so it always gets one. On PostgreSQL one is the default too:
# since messages are written in batches, a second thread made p50 and p99 worse on two
# cores (it competes for the GIL and splits the batches; docs/benchmarks.md); more cores
# may differ.
KEFU_CHAT_DB_THREADS = (
    1 if DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else env.int("KEFU_CHAT_DB_THREADS", 1, minimum=1, maximum=32)
)

# --- Attachments and the chat's REST API (kefu.desk.services.attachments, kefu.chat.api;
# see docs/api.md) ------------------------------------------------------------------------
# Largest file accepted (bytes); larger uploads answer 413.
KEFU_ATTACHMENT_MAX_BYTES = env.int("KEFU_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Where files are stored: outside the web root (never under STATIC_ROOT or MEDIA_ROOT).
KEFU_ATTACHMENT_ROOT = Path(env.str("KEFU_ATTACHMENT_ROOT", str(DATA_DIR / "attachments")))
# Encrypt stored files with kefu.core.encryption's keys; on by default once
# KEFU_ENCRYPTION_KEYS is set.
KEFU_ATTACHMENT_ENCRYPT = env.bool("KEFU_ATTACHMENT_ENCRYPT", bool(KEFU_ENCRYPTION_KEYS))
# Decompression-bomb guard: images with more pixels than this are refused.
KEFU_ATTACHMENT_MAX_PIXELS = env.int("KEFU_ATTACHMENT_MAX_PIXELS", 40_000_000, minimum=10_000)
# Files uploaded but not (yet) sent with a message: how many one customer may hold at a
# time, and after how many seconds they are removed (desk_minutely's clean-up).
KEFU_ATTACHMENT_MAX_UNSENT = env.int("KEFU_ATTACHMENT_MAX_UNSENT", 20, minimum=1)
KEFU_ATTACHMENT_UNSENT_MAX_AGE = env.int("KEFU_ATTACHMENT_UNSENT_MAX_AGE", 24 * 3600,
                                         minimum=600)
# Lifetime (seconds) of the signed file URLs the API hands to customers.
KEFU_ATTACHMENT_URL_MAX_AGE = env.int("KEFU_ATTACHMENT_URL_MAX_AGE", 3600, minimum=60)
# REST API rate limits: requests per principal per minute (an upload counts 5), and new
# visitor tokens per client IP per hour.
KEFU_CHAT_API_RATE = env.int("KEFU_CHAT_API_RATE", 120, minimum=1)
KEFU_CHAT_API_VISITOR_RATE = env.int("KEFU_CHAT_API_VISITOR_RATE", 10, minimum=1)
# --- end attachments and chat API
