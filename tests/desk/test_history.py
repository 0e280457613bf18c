"""The console's history reads as words in the agent's language, not stored codes."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.desk.history import describe
from kefu.desk.models import ConversationEvent


def _event(**fields: str) -> ConversationEvent:
    return ConversationEvent(actor_label=fields.pop("actor_label", "system"), **fields)


@pytest.mark.parametrize(
    ("language", "event", "expected"),
    [
        ("en", _event(field="status", old_value="open", new_value="resolved"),
         {"actor": "System", "field": "Status", "old": "Open", "new": "Resolved", "note": ""}),
        ("zh-hans", _event(field="auto_reply", new_value="out_of_hours"),
         {"actor": "系统", "field": "自动回复", "old": "", "new": "非工作时间", "note": ""}),
        ("en", _event(field="created", new_value="withdrawal", actor_label="ann"),
         {"actor": "ann", "field": "Opened", "old": "", "new": "Withdrawal", "note": ""}),
        ("zh-hans", _event(field="status", old_value="open", new_value="waiting_on_customer",
                           note="replied", actor_label="ann"),
         {"actor": "ann", "field": "状态", "old": "待处理", "new": "等待客户回复",
          "note": "客服已回复"}),
        ("en", _event(field="pii_revealed", new_value="email", note="caller verified",
                      actor_label="ann"),
         {"actor": "ann", "field": "Personal data revealed", "old": "", "new": "Email",
          "note": "caller verified"}),
        ("en", _event(field="something_new", new_value="x"),
         {"actor": "System", "field": "something_new", "old": "", "new": "x", "note": ""}),
    ],
)
def test_history_lines_are_translated(language: str, event: ConversationEvent,
                                      expected: dict[str, str]) -> None:
    with translation.override(language):
        assert describe(event) == expected
