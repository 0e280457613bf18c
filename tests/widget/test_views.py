"""The widget's pages: who may frame the chat, where the token travels, both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

from kefu.chat.tokens import Principal, mint_account_token, read_token
from kefu.helpcenter.content import import_path

DEMO = Path(__file__).resolve().parents[2] / "kefu" / "helpcenter" / "demo_content"
STATIC = Path(__file__).resolve().parents[2] / "kefu" / "widget" / "static" / "widget"

pytestmark = pytest.mark.django_db


def csp(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def config(response: object) -> dict[str, object]:
    html = response.content.decode()  # type: ignore[attr-defined]
    match = re.search(r'<script id="kefu-widget-config" type="application/json">(.*?)</script>',
                      html, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


@override_settings(KEFU_SITE_URL="https://help.demo.example",
                   KEFU_CHAT_ALLOWED_ORIGINS=["https://www.demo-exchange.example"])
def test_only_allowed_origins_may_frame_the_chat(client: Client) -> None:
    response = client.get("/en/widget/")
    assert response.status_code == 200
    policy = csp(response)
    assert policy["frame-ancestors"] == [
        "'self'", "https://help.demo.example", "https://www.demo-exchange.example",
    ]
    assert "X-Frame-Options" not in response  # frame-ancestors decides, not DENY
    assert policy["script-src"] == ["'self'"]  # and still no inline script
    assert response["Cache-Control"] == "no-store"


@override_settings(KEFU_CHAT_ALLOWED_ORIGINS=["https://www.demo-exchange.example"])
def test_every_other_page_still_refuses_frames(client: Client) -> None:
    for url in ("/en/help/", "/en/demo-site/"):
        response = client.get(url)
        assert csp(response)["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"


def test_the_frame_carries_no_token_and_ignores_one_in_its_url(client: Client) -> None:
    token = mint_account_token("acct-1")
    response = client.get("/en/widget/", {"token": token})
    assert token not in response.content.decode()
    assert "token" not in config(response)
    # The loader builds the frame URL from the language alone and hands the token over
    # by postMessage to Kefu's origin only.
    loader = (STATIC / "embed.js").read_text()
    assert 'frame.src = kefuOrigin + "/" + lang + "/widget/";' in loader
    assert re.search(r'\{ type: "kefu:init", token: token \|\| null, [^}]*\}, kefuOrigin', loader)
    assert '"*"' not in loader


@override_settings(KEFU_CUSTOMER_RESOLVER="tests.widget.resolvers.from_header")
def test_demo_page_mints_a_token_only_for_a_signed_in_customer(client: Client) -> None:
    anonymous = client.get("/zh-hans/demo-site/").content.decode()
    assert 'data-kefu-token=""' in anonymous
    assert "/static/widget/embed.js" in anonymous

    response = client.get("/en/demo-site/", headers={"X-Test-Customer": "acct-42"})
    assert response["Cache-Control"] == "private, no-store"
    match = re.search(r'data-kefu-token="([^"]+)"', response.content.decode())
    assert match is not None
    assert read_token(match.group(1)) == Principal(kind="account", ref="acct-42")
    assert 'data-kefu-lang="en"' in response.content.decode()


@pytest.mark.parametrize(
    ("lang", "title", "placeholder", "read"),
    [
        ("zh-hans", "在线客服", "请输入您的问题…", "已读"),
        ("en", "Live chat", "Type your question…", "Read"),
    ],
)
def test_strings_in_both_languages(client: Client, lang: str, title: str, placeholder: str,
                                   read: str) -> None:
    response = client.get(f"/{lang}/widget/")
    strings = config(response)["strings"]
    assert isinstance(strings, dict)
    assert strings["title"] == title
    assert strings["placeholder"] == placeholder
    assert strings["read"] == read
    assert all(isinstance(v, str) and v for v in strings.values())
    html = response.content.decode()
    assert f"<title>{title}</title>" in html
    assert config(response)["lang"] == lang


def test_live_hours_of_the_website_chat_channel(client: Client) -> None:
    assert config(client.get("/en/widget/"))["hours"] is None  # no channel configured
    import_path(DEMO)
    hours = config(client.get("/en/widget/"))["hours"]
    assert isinstance(hours, dict)
    assert hours["utc_offset"] == "UTC+8"
    assert isinstance(hours["open_now"], bool)
    assert hours["label"] in ("Open now", "Closed")


def test_the_help_center_footer_links_the_demo_site(client: Client, settings: object) -> None:
    html = client.get("/zh-hans/help/").content.decode()
    assert 'href="/zh-hans/demo-site/"' in html
    assert "演示网站（含在线客服）" in html


@override_settings(KEFU_CUSTOMER_RESOLVER="tests.widget.resolvers.from_header")
def test_demo_token_endpoint_answers_a_fresh_token_or_null(client: Client) -> None:
    assert client.get("/en/demo-site/chat-token/").json() == {"token": None}
    response = client.get("/en/demo-site/chat-token/", headers={"X-Test-Customer": "acct-42"})
    assert response["Cache-Control"] == "private, no-store"
    assert read_token(response.json()["token"]) == Principal(kind="account", ref="acct-42")
    page = client.get("/en/demo-site/").content.decode()
    assert 'data-kefu-token-url="/en/demo-site/chat-token/"' in page
