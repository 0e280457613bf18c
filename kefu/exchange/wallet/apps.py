from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "kefu.exchange.wallet"
    label = "wallet"
    verbose_name = _("Exchange wallet")
