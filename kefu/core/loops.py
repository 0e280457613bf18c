"""What the connections of one server process share: one instance per event loop."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def loop_local(factory: Callable[[], T]) -> Callable[[], T]:
    """A getter for one ``factory()`` per running event loop: what the connections of a
    process share (the server's loop; each test's own)."""
    instances: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
        weakref.WeakKeyDictionary())

    def get() -> T:
        loop = asyncio.get_running_loop()
        found = instances.get(loop)
        if found is None:
            found = instances[loop] = factory()
        return found

    return get
