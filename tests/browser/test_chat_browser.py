"""The website chat in a real browser: customer widget ↔ agent console, in both languages.

The chat needs WebSockets, which the WSGI ``live_server`` cannot speak, so these tests
serve Kefu's real ASGI application with uvicorn on a thread of the test process (the
in-memory channel layer is then shared by the agent's HTTP reply and the customer's
socket, as in the embedded default). On SQLite the in-memory test database is copied to a
file for the test (shared-cache memory databases lock whole tables across threads); on
PostgreSQL the server uses the test database directly.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from channels.layers import channel_layers
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from PIL import Image
from playwright.sync_api import expect
from websockets.sync.client import connect

from kefu.chat.tokens import mint_account_token
from kefu.desk.models import (
    AgentProfile,
    Attachment,
    Conversation,
    CsatRating,
    Message,
    Presence,
    Team,
)
from kefu.helpcenter.content import import_path
from tests.browser.conftest import ARTIFACTS
from tests.desk.conftest import DeskClient, make_agent

DEMO = Path(__file__).resolve().parents[2] / "kefu" / "helpcenter" / "demo_content"
TIMEOUT = 10_000  # ms; every wait is for an element or an event, never a fixed time

pytestmark = pytest.mark.django_db(transaction=True)
LIVE_SERVER_DB_NAME = "kefu-browser-test-server"


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._started.set()


@dataclass
class Live:
    url: str
    tmp: Path


@pytest.fixture
def asgi_server(transactional_db: None, settings: Any, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    conn = connections["default"]
    conn.ensure_connection()
    memory_name = conn.settings_dict["NAME"]
    keep_alive: sqlite3.Connection | None = None
    if conn.vendor == "sqlite" and conn.is_in_memory_db():
        path = tmp_path / "live.sqlite3"
        target = sqlite3.connect(path)
        conn.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.close()
        keep_alive = sqlite3.connect(memory_name, uri=True)  # the memory DB outlives the test
        conn.settings_dict["NAME"] = str(path)  # every thread's new connection opens the file
        conn.close()
    else:
        # Connections opened from here on carry this name, so the teardown ends the
        # server's and only those: while Playwright's loop runs, Django keeps a second
        # connection for this thread, which pg_backend_pid() alone would not spare.
        monkeypatch.setitem(conn.settings_dict, "CONN_MAX_AGE", 0)
        monkeypatch.setitem(conn.settings_dict, "OPTIONS", {
            **conn.settings_dict.get("OPTIONS", {}), "application_name": LIVE_SERVER_DB_NAME})
    channel_layers.backends.clear()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings.KEFU_SITE_URL = url
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.KEFU_ATTACHMENT_ROOT = tmp_path / "attachments"
    from kefu.config.asgi import application

    started = threading.Event()
    server = _Server(uvicorn.Config(application, lifespan="off", log_level="warning",
                                    ws="websockets-sansio", timeout_graceful_shutdown=2), started)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name="asgi-live-server", daemon=True)
    thread.start()
    assert started.wait(15), "uvicorn did not start"
    try:
        yield Live(url=url, tmp=tmp_path)
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        channel_layers.backends.clear()
        if keep_alive is not None:
            conn.close()
            conn.settings_dict["NAME"] = memory_name
            conn.ensure_connection()
            keep_alive.close()
        else:
            with conn.cursor() as cursor:  # the server's threads may still hold connections
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = %s "
                    "AND pid <> pg_backend_pid()",
                    [LIVE_SERVER_DB_NAME],
                )


@dataclass
class Team1:
    team: Team
    agent: User


@pytest.fixture
def support(asgi_server: Live) -> Team1:
    import_path(DEMO)
    team = Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                               is_default=True)
    return Team1(team=team, agent=make_agent("alice", team))


def open_widget(page: Any, url: str) -> Any:
    page.goto(url)
    page.locator("#kefu-launcher").click()
    chat = page.frame_locator("#kefu-chat iframe")
    chat.locator("#kw[data-connected='true']").wait_for(timeout=TIMEOUT)
    return chat


def agent_page(browser: Any, live: Live, agent: User) -> Any:
    client = DeskClient()
    client.force_login(agent)  # password and TOTP step passed, as in tests/desk
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live.url}])
    return context.new_page()


def sign_in_customer(page: Any, live: Live) -> str:
    """An exchange customer signed in on the demo site (as the exchange's sign-in does)."""
    from kefu.exchange.accounts.clientinfo import ClientInfo
    from kefu.exchange.accounts.services.signin import signin_complete
    from kefu.exchange.accounts.services.signup import customer_sign_up
    from kefu.exchange.accounts.session import SESSION_KEY

    client_info = ClientInfo(ip="203.0.113.9", user_agent="pytest", device_token="widget")
    customer = customer_sign_up(identifier="chat@example.com", password="correct horse 9",
                                language="en", client=client_info)
    client = Client()
    session = client.session
    session.save()
    done = signin_complete(customer_id=customer.pk, client=client_info,
                           session_key=session.session_key or "")
    session[SESSION_KEY] = {"id": done.customer_id, "gen": done.generation,
                            "sid": done.session_id}
    session.save()
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": session.session_key, "url": live.url}])
    return str(customer.public_id)


def agent_reads(live: Live, agent: User, conversation: Conversation) -> None:
    """An agent's /ws/desk/ connection follows the conversation and reports it read."""
    client = DeskClient()
    client.force_login(agent)
    name = django_settings.SESSION_COOKIE_NAME
    url = live.url.replace("http://", "ws://") + "/ws/desk/"
    headers = {"Cookie": f"{name}={client.cookies[name].value}", "Origin": live.url}
    with connect(url, additional_headers=headers, open_timeout=TIMEOUT / 1000) as ws:
        ws.send(json.dumps({"type": "subscribe", "conversation": str(conversation.public_id),
                            "last_seq": 0}))
        conversation.refresh_from_db()
        seen = 0
        while seen < conversation.last_seq:
            frame = json.loads(ws.recv(timeout=TIMEOUT / 1000))
            if frame["type"] == "message":
                seen = frame["seq"]
        ws.send(json.dumps({"type": "read", "conversation": str(conversation.public_id),
                            "seq": seen}))
        ws.send(json.dumps({"type": "ping"}))
        while json.loads(ws.recv(timeout=TIMEOUT / 1000))["type"] != "pong":
            pass  # the read was handled before the pong


def latest_web_conversation() -> Conversation:
    conversation = Conversation.objects.filter(channel="web").order_by("-pk").first()
    assert conversation is not None
    return conversation


def send(chat: Any, text: str) -> Any:
    chat.locator("#kw-input").fill(text)
    chat.locator("#kw-input").press("Enter")
    return chat.locator(".kw-customer", has_text=text)


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"))


@pytest.mark.parametrize(
    ("lang", "query", "question", "reply", "hours_words"),
    [
        ("zh-hans", "提币", "我的提币一直没有到账", "您好，我们正在为您查询",
         ("在线", "回来")),
        ("en", "withdrawal", "My withdrawal has not arrived", "Hello, we are checking it now",
         ("Open now", "Back at")),
    ],
)
def test_customer_asks_agent_answers_customer_rates_and_downloads(
    asgi_server: Live, support: Team1, browser: Any, page: Any, lang: str, query: str,
    question: str, reply: str, hours_words: tuple[str, str],
) -> None:
    live = asgi_server
    account = sign_in_customer(page, live) if lang == "en" else None
    # The customer looks in the help center first…
    page.goto(f"{live.url}/{lang}/help/")
    page.fill("#search-q", query)
    page.locator("#search-suggestions a").first.wait_for(timeout=TIMEOUT)

    # …then opens the chat on the platform's homepage.
    chat = open_widget(page, f"{live.url}/{lang}/demo-site/")
    frame_url = page.locator("#kefu-chat iframe").get_attribute("src") or ""
    assert frame_url.endswith(f"/{lang}/widget/")  # no token in the URL
    expect(chat.locator("#kw-hours")).to_contain_text(re.compile("|".join(hours_words)))
    # A screenshot goes with the very first question: picked before there is a
    # conversation, uploaded at once, listed above the input, sent with the message.
    image = live.tmp / "screenshot.png"
    Image.new("RGB", (64, 48), "#f59e0b").save(image)
    chat.locator("#kw-file").set_input_files(str(image))
    chat.locator(".kw-staged-file[data-state='ready']", has_text="screenshot.png").wait_for(
        timeout=TIMEOUT)
    chat.locator("#kw-input").fill(question)
    chat.locator("#kw-suggest-list a").first.wait_for(timeout=TIMEOUT)  # suggested articles
    shoot(page, f"{lang}-desktop-suggest")
    chat.locator("#kw-input").press("Enter")
    sent = chat.locator(".kw-customer[data-state='sent']", has_text=question)
    sent.locator(".kw-file img").wait_for(timeout=TIMEOUT)
    expect(chat.locator("#kw-staged")).to_be_hidden()  # the list went with the message
    expect(chat.locator("#kw-banner")).to_be_hidden()
    shoot(page, f"{lang}-desktop-sent")

    conversation = latest_web_conversation()
    first = Message.objects.get(conversation=conversation, seq=1)
    assert first.body == question
    assert [a.name for a in first.attachments.all()] == ["screenshot.png"]

    # Later files are messages of their own, uploaded to the conversation.
    document = live.tmp / "statement.png"
    Image.new("RGB", (32, 32), "#0f6fde").save(document)
    chat.locator("#kw-file").set_input_files(str(document))
    chat.locator(".kw-customer[data-state='sent']", has_text="statement.png").locator(
        ".kw-file img").wait_for(timeout=TIMEOUT)
    attachments = Attachment.objects.filter(conversation=conversation).order_by("pk")
    assert [(a.name, a.message.seq if a.message else None) for a in attachments] == [
        ("screenshot.png", 1), ("statement.png", 2)]
    assert conversation.language == lang
    # Signed in on the platform: the chat knows who it is; otherwise a visitor.
    assert (conversation.customer.external_ref or None) == account

    # The agent answers from the console; the customer sees it live.
    agent = agent_page(browser, live, support.agent)
    agent.goto(f"{live.url}/{lang}/desk/c/{conversation.pk}/")
    assert question in agent.locator("#message-log").inner_text()
    agent.fill("#reply-body", reply)
    agent.locator(".desk-reply button[type=submit]").click()
    chat.locator(".kw-agent", has_text=reply).wait_for(timeout=TIMEOUT)
    # The agent has seen it all (the console's socket would say so): "Read" on the customer's side.
    agent_reads(live, support.agent, conversation)
    chat.locator(".kw-customer[data-state='read']", has_text=question).wait_for(timeout=TIMEOUT)
    shoot(page, f"{lang}-desktop-chat")

    # Resolved: the customer rates it and downloads the transcript.
    agent.locator("button[name=action][value=resolve]").click()
    chat.locator("#kw-done").wait_for(timeout=TIMEOUT)
    chat.locator(".kw-star[data-score='5']").click()
    chat.locator("#kw-rate-comment").fill("👍")
    shoot(page, f"{lang}-desktop-rate")
    chat.locator("#kw-rate-submit").click()
    chat.locator("#kw-rated").wait_for(timeout=TIMEOUT)
    rating = CsatRating.objects.get(conversation=conversation)
    assert rating.score == 5
    with page.expect_download(timeout=TIMEOUT) as download:
        chat.locator("#kw-transcript").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    shoot(page, f"{lang}-desktop-resolved")
    agent.context.close()

    # The same widget at phone width fills the screen.
    page.set_viewport_size({"width": 390, "height": 780})
    # The widget re-places itself on the media query's change event, a frame later.
    expect(page.locator("#kefu-chat")).to_have_css("width", "390px")
    box = page.locator("#kefu-chat").bounding_box()
    assert box is not None
    assert box["width"] == 390
    shoot(page, f"{lang}-phone")


def test_dropped_connection_loses_nothing_and_doubles_nothing(
    asgi_server: Live, support: Team1, page: Any
) -> None:
    # Nobody online: the conversation waits in the queue, and the customer sees where.
    AgentProfile.objects.filter(user=support.agent).update(presence=Presence.OFFLINE)
    chat = open_widget(page, f"{asgi_server.url}/en/demo-site/")
    send(chat, "first message").and_(
        chat.locator("[data-state='sent']")
    ).wait_for(timeout=TIMEOUT)
    expect(chat.locator("#kw-queue")).to_contain_text(re.compile(r"number 1 in the queue|next"))
    shoot(page, "en-desktop-queue")

    page.context.set_offline(True)
    chat.locator("#kw-banner").wait_for(timeout=TIMEOUT)
    pending = send(chat, "sent while offline")
    assert pending.get_attribute("data-state") == "pending"
    page.context.set_offline(False)
    chat.locator(".kw-customer[data-state='sent']", has_text="sent while offline").wait_for(
        timeout=TIMEOUT
    )
    send(chat, "after reconnect").and_(chat.locator("[data-state='sent']")).wait_for(
        timeout=TIMEOUT
    )

    bodies = list(
        Message.objects.filter(conversation=latest_web_conversation(), kind="customer")
        .order_by("seq").values_list("body", flat=True)
    )
    assert bodies == ["first message", "sent while offline", "after reconnect"]
    assert chat.locator(".kw-customer").count() == 3

    # A reload resumes the same conversation from the visitor token kept in localStorage.
    chat = open_widget(page, f"{asgi_server.url}/en/demo-site/")
    chat.locator(".kw-customer", has_text="after reconnect").wait_for(timeout=TIMEOUT)
    assert chat.locator(".kw-customer").count() == 3
    assert Conversation.objects.filter(channel="web").count() == 1


def test_a_pasted_seed_phrase_is_shown_as_it_was_kept(
    asgi_server: Live, support: Team1, page: Any
) -> None:
    seed = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    chat = open_widget(page, f"{asgi_server.url}/en/demo-site/")
    send(chat, f"my wallet words: {seed}")
    kept = chat.locator(".kw-customer[data-state='sent']")
    expect(kept).to_have_text(re.compile(r"^my wallet words: \[.*seed phrase hidden\]"),
                              timeout=TIMEOUT)
    assert "abandon" not in chat.locator("#kw").inner_text()
    body = Message.objects.get(conversation=latest_web_conversation(), kind="customer").body
    assert body.startswith("my wallet words: [")
    assert "abandon" not in body


PARTNER_PAGE = """<!doctype html><html lang="en"><head><title>Partner</title></head>
<body><h1>A platform page</h1>
<script src="{kefu}/static/widget/embed.js" data-kefu-lang="en" data-kefu-token="" async></script>
</body></html>"""


@contextmanager
def other_site(address: str, kefu: str, page: str = PARTNER_PAGE,
               token_json: str = "") -> Iterator[str]:
    """Another website (a real loopback server: Chromium's local-network rules would refuse
    a page faked by request interception) whose page carries the script tag; with
    ``token_json`` it also answers its own token endpoint, /chat-token."""
    html = page.format(kefu=kefu).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            json_reply = bool(token_json) and self.path == "/chat-token"
            body = token_json.encode() if json_reply else html
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if json_reply
                             else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_only_allowed_origins_can_embed_the_chat(
    asgi_server: Live, support: Team1, page: Any, settings: Any
) -> None:
    kefu = asgi_server.url
    with other_site("127.0.0.2", kefu) as partner, other_site("127.0.0.3", kefu) as stranger:
        settings.KEFU_CHAT_ALLOWED_ORIGINS = [partner]
        # On the allow-list: the chat opens there and works.
        chat = open_widget(page, f"{partner}/home")
        send(chat, "hello from a partner page").and_(
            chat.locator("[data-state='sent']")
        ).wait_for(timeout=TIMEOUT)
        assert latest_web_conversation().channel == "web"

        # Not on it: the browser refuses to show Kefu's page in the frame at all.
        page.goto(f"{stranger}/home")
        with page.expect_console_message(
            lambda message: "frame-ancestors" in message.text, timeout=TIMEOUT
        ):
            page.locator("#kefu-launcher").click()
        assert page.frame_locator("#kefu-chat iframe").locator("#kw-input").count() == 0


EXPIRED_TOKEN_PAGE = """<!doctype html><html lang="en"><head><title>Partner</title></head>
<body><h1>A page left open for hours</h1>
<script src="{kefu}/static/widget/embed.js" data-kefu-lang="en"
        data-kefu-token="a:acct-77:1:not-a-valid-signature" data-kefu-token-url="/chat-token"
        async></script>
</body></html>"""


def test_an_expired_token_is_replaced_from_the_pages_token_url(
    asgi_server: Live, support: Team1, page: Any, settings: Any
) -> None:
    fresh = json.dumps({"token": mint_account_token("acct-77")})
    with other_site("127.0.0.2", asgi_server.url, EXPIRED_TOKEN_PAGE, fresh) as partner:
        settings.KEFU_CHAT_ALLOWED_ORIGINS = [partner]
        chat = open_widget(page, f"{partner}/home")
        send(chat, "still signed in?").and_(
            chat.locator("[data-state='sent']")
        ).wait_for(timeout=TIMEOUT)
    conversation = latest_web_conversation()
    assert conversation.customer.external_ref == "acct-77"  # the account, not a visitor
