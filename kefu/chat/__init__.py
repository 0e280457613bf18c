"""Live chat: the realtime protocol (WebSocket consumers, replay from the message log)."""
