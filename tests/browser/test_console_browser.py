"""The agent console in a real browser: the inbox and a conversation update live.

Reuses the chat browser tests' uvicorn server (WebSockets need ASGI). No fixed waits: each
step waits for an element; a marker on ``window`` proves the page was never reloaded.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_chat_browser import (  # noqa: F401 - fixtures
    TIMEOUT,
    Live,
    Team1,
    agent_page,
    asgi_server,
    latest_web_conversation,
    open_widget,
    send,
    support,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = "[data-live-indicator][data-state='live']"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def mark(page: Any) -> None:
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__notReloaded === true"))


@pytest.mark.parametrize(("lang", "first", "second", "live_word", "typing_words"), [
    ("zh-hans", "我的提币一直没有到账", "交易哈希是 0xabc", "实时", "客户正在输入"),
    ("en", "My withdrawal has not arrived", "The hash is 0xabc", "Live",
     "The customer is typing"),
])
def test_inbox_and_conversation_update_live_without_reload(
    browser: Any, page: Any, asgi_server: Live, support: Team1, lang: str, first: str,  # noqa: F811
    second: str, live_word: str, typing_words: str,
) -> None:
    live = asgi_server
    agent = agent_page(browser, live, support.agent)
    agent.goto(f"{live.url}/{lang}/desk/?view=all")
    agent.locator(LIVE).wait_for(timeout=TIMEOUT)
    assert live_word in agent.locator("[data-live-indicator]").inner_text()
    assert agent.locator("[data-row]").count() == 0
    mark(agent)

    # A customer writes: the row and the unread count appear in the open inbox.
    chat = open_widget(page, f"{live.url}/{lang}/demo-site/")
    send(chat, first).and_(chat.locator("[data-state='sent']")).wait_for(timeout=TIMEOUT)
    conversation = latest_web_conversation()
    agent.locator("[data-row]").first.wait_for(timeout=TIMEOUT)
    assert not_reloaded(agent)
    assert agent.locator("#inbox-views a[href='?view=all'] .desk-count").inner_text() == "1"
    shoot(agent, f"{lang}-inbox")

    # In the conversation: the customer's typing and next message arrive live.
    agent.locator("[data-row-link]").first.click()
    agent.wait_for_url(f"**/desk/c/{conversation.pk}/")
    agent.locator(LIVE).wait_for(timeout=TIMEOUT)
    mark(agent)
    chat.locator("#kw-input").press_sequentially("0x", delay=20)
    agent.locator("[data-live-typing]", has_text=typing_words).wait_for(timeout=TIMEOUT)
    chat.locator("#kw-input").fill("")
    send(chat, second)
    agent.locator("#message-log .desk-msg", has_text=second).wait_for(timeout=TIMEOUT)
    assert not_reloaded(agent)
    assert agent.locator("#message-log .desk-msg").count() == 2

    # Writing a private note: the customer sees no "typing"; a reply's typing they do see.
    agent.locator("[data-reply-form] input[name=kind][value=note]").check()
    agent.locator("#reply-body").press_sequentially("check chain", delay=20)
    agent.locator("[data-reply-form] input[name=kind][value=agent]").check()
    agent.locator("#reply-body").press_sequentially(" ok", delay=20)
    chat.locator("#kw-typing:not([hidden])").wait_for(timeout=TIMEOUT)

    # The connection drops: the header says so; back online, nothing was missed.
    agent.context.set_offline(True)
    agent.locator("[data-live-indicator][data-state='reconnecting']").wait_for(timeout=TIMEOUT)
    send(chat, "0xdef")
    agent.context.set_offline(False)
    agent.locator(LIVE).wait_for(timeout=TIMEOUT)
    agent.locator("#message-log .desk-msg", has_text="0xdef").wait_for(timeout=TIMEOUT)
    assert not_reloaded(agent)
    chat.locator("#kw-input").press_sequentially("...", delay=20)
    agent.locator("[data-live-typing]", has_text=typing_words).wait_for(timeout=TIMEOUT)
    shoot(agent, f"{lang}-conversation")
    agent.context.close()
