"""The help center in a real browser, in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kefu.helpcenter.content import import_path

DEMO = Path(__file__).resolve().parents[2] / "kefu" / "helpcenter" / "demo_content"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_content() -> None:
    import_path(DEMO)


def test_customer_searches_in_chinese_and_reads_the_answer(
    live_server: Any, page: Any, demo_content: None
) -> None:
    page.goto(f"{live_server.url}/zh-hans/help/")
    assert page.locator("h1").inner_text() == "有什么可以帮你？"
    page.fill("#search-q", "提幣失敗")  # Traditional characters, as typed in Hong Kong
    suggestion = page.locator("#search-suggestions a").first
    suggestion.wait_for()
    assert "提币" in suggestion.inner_text()
    suggestion.click()
    page.wait_for_url(re.compile(r"/zh-hans/help/articles/"))
    assert "提币" in page.locator("h1").inner_text()
    assert page.locator(".prose").inner_text().strip()

    page.get_by_role("button", name="有帮助").click()
    page.locator(".feedback-thanks").wait_for()

    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/en/help/articles/"))
    assert "withdrawal" in page.locator("h1").inner_text().lower()


def test_english_search_by_prefix_and_results_page(
    live_server: Any, page: Any, demo_content: None
) -> None:
    page.goto(f"{live_server.url}/en/help/")
    page.fill("#search-q", "frozen acc")
    page.locator("#search-suggestions a").first.wait_for()
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"/en/help/search/\?q="))
    results = page.locator(".result-title")
    assert results.count() >= 1
    assert page.locator(".result-excerpt mark").count() >= 1


def test_contact_page_shows_live_hours_in_both_languages(
    live_server: Any, page: Any, demo_content: None
) -> None:
    page.goto(f"{live_server.url}/zh-hans/help/contact/")
    cards = page.locator(".channel-card")
    assert cards.count() >= 7
    web_chat = page.locator("#channel-web-chat")
    badge = web_chat.locator(".badge").inner_text()
    assert ("在线" in badge) or ("开始服务" in badge)
    assert "UTC+8" in web_chat.inner_text()
    page.goto(f"{live_server.url}/en/help/contact/")
    badge = page.locator("#channel-web-chat .badge").inner_text()
    assert ("Open now" in badge) or ("Opens" in badge)


def test_verify_page_flags_an_imitation(live_server: Any, page: Any, demo_content: None) -> None:
    page.goto(f"{live_server.url}/en/help/verify/")
    page.fill("#verify-q", "@DemoExchange_Support")
    page.get_by_role("button", name="Check").click()
    result = page.locator(".verify-result")
    result.wait_for()
    assert "is-lookalike" in (result.get_attribute("class") or "")
    page.fill("#verify-q", "https://t.me/DemoExchangeSupport")
    page.get_by_role("button", name="Check").click()
    page.locator(".verify-result.is-official").wait_for()


def test_phone_layout_has_no_horizontal_scroll(
    live_server: Any, browser: Any, demo_content: None
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("/zh-hans/help/", "/en/help/contact/", "/en/help/articles/withdrawal-failed/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    context.close()
