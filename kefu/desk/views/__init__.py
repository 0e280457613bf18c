"""The agent console: server-rendered pages, htmx polling, forms posting to services."""
