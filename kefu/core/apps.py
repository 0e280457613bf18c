from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Import every app's tasks module so that a worker (thread or Celery) can run a
        # task by its registered name.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
