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


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs: object) -> None:
    """Give ``celery beat`` the same periodic table the embedded scheduler runs."""
    from kefu.core.tasks import periodic_tasks, run_task

    for name, every in periodic_tasks().items():
        sender.add_periodic_task(every, run_task.s(name, {}), name=name)
