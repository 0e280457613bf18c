"""URL map. Pages live under a language prefix (/zh-hans/…, /en/…); the API does not."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from kefu.config.api import api

admin.site.site_header = "Kefu"
admin.site.site_title = "Kefu"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("api/exchange/", include("kefu.exchange.api.urls")),
    path("hooks/exchange/", include("kefu.desk.webhook_urls")),
]

urlpatterns += i18n_patterns(
    # Inside the prefix on purpose: set_language translates the "next" URL by resolving it
    # in the active language, which is then the page's own, whatever the browser prefers.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", RedirectView.as_view(pattern_name="helpcenter:home", permanent=False), name="home"),
    path("help/", include("kefu.helpcenter.urls")),
    path("account/", include("kefu.exchange.accounts.urls")),
    path("wallet/", include("kefu.exchange.wallet.urls")),
    path("desk/", include("kefu.desk.urls")),
    path("support/", include("kefu.desk.customer_urls")),
    path("", include("kefu.widget.urls")),
    prefix_default_language=True,
)
