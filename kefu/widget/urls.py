"""The widget's pages, under the language prefix: /<lang>/widget/, /<lang>/demo-site/."""

from __future__ import annotations

from django.urls import URLPattern, path

from kefu.widget import views

app_name = "widget"

urlpatterns: list[URLPattern] = [
    path("widget/", views.chat_frame, name="frame"),
    path("demo-site/", views.demo_site, name="demo_site"),
    path("demo-site/chat-token/", views.demo_site_token, name="demo_site_token"),
]
