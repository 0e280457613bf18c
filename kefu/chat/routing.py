"""WebSocket routes, mounted by kefu.config.asgi."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from kefu.chat.consumers import AgentConsumer, CustomerConsumer


def websocket_application() -> Any:
    """Customers carry a signed token and need no session; agents are their session user.

    Each consumer checks the Origin itself, so a refusal is a close code the client can
    read (4403) rather than a bare failed handshake.
    """
    return URLRouter([
        path("ws/chat/", CustomerConsumer.as_asgi()),
        path("ws/desk/", AuthMiddlewareStack(AgentConsumer.as_asgi())),
    ])
