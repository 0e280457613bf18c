"""WSGI entry point, for HTTP-only deployments (admin, help center, API)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.embedded")

application = get_wsgi_application()
