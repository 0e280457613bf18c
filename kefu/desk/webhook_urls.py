"""Mounted at /hooks/exchange/ by kefu.config.urls (outside the language prefix)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kefu.desk import webhooks

app_name = "desk_webhooks"

urlpatterns: list[URLPattern] = [
    path("v1/events", webhooks.exchange_event, name="exchange_event"),
]
