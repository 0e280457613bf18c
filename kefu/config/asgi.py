"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.embedded")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

http_app = django_asgi_app
if settings.KEFU_SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_app = ASGIStaticFilesHandler(django_asgi_app)

from kefu.chat.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": http_app, "websocket": websocket_application()})

# Periodic work (SLA breaches, snoozed conversations…) on the embedded worker thread; with
# Celery it is celery beat's job instead.
from kefu.core.tasks import start_scheduler  # noqa: E402

start_scheduler()

# The secret redactor's word list lives in bip-utils, a large import: pay it while the
# server starts, not on the first customer message (it held that message ~1 s).
from kefu.desk.redaction import bip39_english  # noqa: E402

bip39_english()

# Everything loaded so far lives as long as the process: out of the collector's reach,
# and collections less often (kefu/config/heap.py).
from kefu.config.heap import settle_heap  # noqa: E402

settle_heap()
