"""The shared log sweep's choice of what a connection still has to read."""

from __future__ import annotations

from kefu.chat.consumers.base import Subscription
from kefu.chat.consumers.customer import CustomerConsumer
from kefu.chat.selectors import ConversationRef


def _consumer(subs: dict[int, Subscription], *, closing: bool = False) -> CustomerConsumer:
    consumer = CustomerConsumer()
    consumer.subs, consumer.closing = subs, closing
    return consumer


def _sub(pk: int, cursor: int, checked: int = 0) -> Subscription:
    return Subscription(ConversationRef(pk, f"c{pk}", cursor, "open"), cursor, checked)


def test_only_its_own_conversations_whose_log_grew_past_what_it_saw() -> None:
    consumer = _consumer({1: _sub(1, 3), 2: _sub(2, 5, checked=7), 4: _sub(4, 9)})
    # 2 grew only up to what a full read already found nothing in; 3 is not followed;
    # 4 is missing from the sweep's read (nothing known: nothing to read).
    ends = {1: 4, 2: 7, 3: 10, 5: 1}
    assert consumer.lagging(ends) == {1: 4}
    assert consumer.lagging({1: 3, 2: 8}) == {2: 8}
    assert _consumer({1: _sub(1, 3)}, closing=True).lagging({1: 9}) == {}
