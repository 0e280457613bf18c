"""The two WebSocket endpoints: ``/ws/chat/`` (customers) and ``/ws/desk/`` (agents)."""

from kefu.chat.consumers.agent import AgentConsumer
from kefu.chat.consumers.customer import CustomerConsumer

__all__ = ["AgentConsumer", "CustomerConsumer"]
