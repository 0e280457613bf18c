"""The customer's support requests, under /<lang>/support/ (see customer_views)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kefu.desk import customer_views as v

app_name = "support"

urlpatterns: list[URLPattern] = [
    path("", v.request_list, name="list"),
    path("new/", v.request_new, name="new"),
    path("sent/<int:pk>/", v.request_sent, name="sent"),
    path("<int:pk>/", v.request_detail, name="detail"),
    path("<int:pk>/rate/", v.request_rate, name="rate"),
    path("<int:pk>/transcript.pdf", v.request_transcript, name="transcript"),
    path("<int:pk>/transcript/email/", v.request_transcript_email, name="transcript_email"),
]
