"""Celery application, used only when CELERY_BROKER_URL is configured.

Start workers with ``celery -A kefu.config.celery worker``. Kefu code never calls Celery
directly: it goes through :mod:`kefu.core.tasks`, which picks Celery when a broker is set.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.embedded")

app = Celery("kefu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["kefu.core"])
