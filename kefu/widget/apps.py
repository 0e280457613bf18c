from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WidgetConfig(AppConfig):
    name = "kefu.widget"
    label = "widget"
    verbose_name = _("Website chat widget")
