"""Production: HTTPS only, strict cookies, HSTS; every secret must come from the environment.

Passes ``manage.py check --deploy`` without warnings.
"""

from kefu.config.env import EnvError, env
from kefu.config.settings.base import *  # noqa: F403
from kefu.config.settings.base import KEFU_CHAT_TOKEN_SECRET, SECRET_KEY

DEBUG = False
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise EnvError("KEFU_SECRET_KEY", "must be set to a random string of at least 50 characters")
# The platform signs customers' chat tokens with this shared secret; without it Kefu would
# fall back to a key derived from SECRET_KEY that no platform can know (see kefu.chat.tokens).
if len(KEFU_CHAT_TOKEN_SECRET) < 32 or len(set(KEFU_CHAT_TOKEN_SECRET)) < 5:
    raise EnvError(
        "KEFU_CHAT_TOKEN_SECRET",
        "must be set to a random string of at least 32 characters, shared with the "
        "platform's backend that signs customers' chat tokens",
    )

SECURE_SSL_REDIRECT = env.bool("KEFU_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("KEFU_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("KEFU_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Secure-kefu-session"
CSRF_COOKIE_NAME = "__Secure-kefu-csrf"

KEFU_DEMO = False
