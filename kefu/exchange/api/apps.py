from django.apps import AppConfig


class ExchangeApiConfig(AppConfig):
    name = "kefu.exchange.api"
    label = "exchange_api"
    verbose_name = "Exchange HTTP API"
    default_auto_field = "django.db.models.BigAutoField"
