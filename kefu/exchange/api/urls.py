"""Mounted at /api/exchange/ by kefu.config.urls (outside the language prefix)."""

from __future__ import annotations

from django.urls import path

from kefu.exchange.api import views

app_name = "exchange_api"

urlpatterns = [
    path("v1/customers/find", views.customer_find, name="customer_find"),
    path("v1/customers/<str:ref>", views.customer_summary, name="customer_summary"),
    path("v1/customers/<str:ref>/activity", views.customer_activity, name="customer_activity"),
    path("v1/customers/<str:ref>/withdrawals", views.customer_withdrawals,
         name="customer_withdrawals"),
    path("v1/customers/<str:ref>/<str:action>", views.customer_action, name="customer_action"),
    path("v1/withdrawals/<str:ref>", views.withdrawal_detail, name="withdrawal_detail"),
    path("v1/withdrawals/<str:ref>/<str:action>", views.withdrawal_action,
         name="withdrawal_action"),
]
