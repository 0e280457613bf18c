"""The chat's REST API: auth, other people's conversations, pagination, idempotency."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kefu.chat.api import router as chat_router
from kefu.chat.tokens import mint_account_token, mint_visitor_token
from kefu.core.models import BusinessCalendar
from kefu.desk.models import Attachment, Conversation, CustomerIdentity, Message, Team
from kefu.desk.services.conversations import (
    conversation_close,
    conversation_open,
    conversation_resolve,
)
from kefu.desk.services.customers import customer_for_account, identity_add
from kefu.desk.services.messages import message_edit, message_post
from tests.chat.test_attachments import MINIMAL_PDF, jpeg_with_gps, png
from tests.desk.conftest import make_agent

pytestmark = pytest.mark.django_db
BASE = "/api/v1/chat"


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Path) -> None:
    settings.KEFU_ATTACHMENT_ROOT = tmp_path / "attachments"
    # The cache (Redis on the scale-out run) is shared by parallel workers: limits are
    # tested below with principals and addresses of their own, at a frozen time.
    settings.KEFU_CHAT_API_RATE = settings.KEFU_CHAT_API_VISITOR_RATE = 100_000


@pytest.fixture
def support() -> Team:
    return Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                               is_default=True)


def api(token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(headers=headers)


def create(client: Client, body: str = "提现一直在处理中", msg_id: str = "m1",
           **extra: Any) -> Any:
    return client.post(f"{BASE}/conversations", {"body": body, "client_msg_id": msg_id,
                                                  **extra}, content_type="application/json")


def opened(token: str, **extra: Any) -> dict[str, Any]:
    response = create(api(token), **extra)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def conv(public_id: str) -> Conversation:
    return Conversation.objects.get(public_id=public_id)


# --- authentication -----------------------------------------------------------------------
ENDPOINTS = [
    ("get", "/conversations/{id}"),
    ("get", "/conversations/{id}/messages"),
    ("post", "/conversations/{id}/messages"),
    ("post", "/conversations/{id}/attachments"),
    ("post", "/conversations/{id}/read"),
    ("post", "/conversations/{id}/rating"),
    ("get", "/conversations/{id}/transcript.pdf"),
    ("post", "/conversations/{id}/transcript/email"),
]
# Routes that name no conversation, each covered by its own tests below (the visitor
# token's rate limit, the public hours, the signed file links' forgery and expiry).
WITHOUT_CONVERSATION = {("post", "/visitor"), ("get", "/status"), ("get", "/conversations"),
                        ("post", "/conversations"), ("get", "/files/{signed}"),
                        ("post", "/attachments")}


def test_every_route_is_classified() -> None:
    """A new route must join ENDPOINTS (and so the token and 404 tests) or be named above."""
    routes = {
        (method.lower(), path.replace("{conversation_id}", "{id}"))
        for path, view in chat_router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert routes == set(ENDPOINTS) | WITHOUT_CONVERSATION


BODIES: dict[str, dict[str, Any]] = {
    "/conversations/{id}/messages": {"body": "hi", "client_msg_id": "x1"},
    "/conversations/{id}/read": {"seq": 1},
    "/conversations/{id}/rating": {"score": 5},
}


def call(client: Client, method: str, path: str, public_id: str) -> Any:
    url = BASE + path.format(id=public_id)
    if method == "get":
        return client.get(url)
    if path.endswith("/attachments"):
        return client.post(url, {"file": SimpleUploadedFile("a.png", png())})
    return client.post(url, BODIES.get(path, {}), content_type="application/json")


@pytest.mark.parametrize(("method", "path"), [*ENDPOINTS, ("get", "/conversations"),
                                              ("post", "/conversations"),
                                              ("post", "/attachments")])
def test_every_endpoint_needs_a_valid_token(support: Team, method: str, path: str) -> None:
    public_id = opened(mint_account_token("acct-1"))["conversation"]["id"]
    before = Message.objects.count()
    expired_token = None
    with time_machine.travel(timezone.now() - timezone.timedelta(hours=3), tick=False):
        expired_token = mint_account_token("acct-1")
    forged = mint_account_token("acct-1")[:-3] + "AAA"
    for token, code in ((None, "token_missing"), (forged, "token_invalid"),
                        (expired_token, "token_expired"), ("garbage", "token_invalid")):
        response = call(api(token), method, path, public_id)
        assert response.status_code == 401, (token, response.content)
        assert response.json()["code"] == code
        assert response.json()["message"]
    assert Message.objects.count() == before


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_other_customers_conversations_are_404_and_nothing_changes(
    support: Team, method: str, path: str
) -> None:
    victim = opened(mint_account_token("acct-1"))["conversation"]["id"]
    conversation_resolve(conversation_id=conv(victim).pk, actor=None)
    snapshot = (Message.objects.count(), Attachment.objects.count(),
                list(Conversation.objects.values_list("status", "customer_read_seq")))
    for token in (mint_account_token("acct-2"), mint_visitor_token()):
        for public_id in (victim, "6f1c1b8e-3d1a-4a57-9a43-8a9a0b0c0d0e"):
            response = call(api(token), method, path, public_id)
            assert response.status_code == 404, response.content
            assert response.json()["code"] == "not_found"
    assert snapshot == (Message.objects.count(), Attachment.objects.count(),
                        list(Conversation.objects.values_list("status", "customer_read_seq")))
    assert len(mail.outbox) == 0


def test_errors_speak_the_requests_language(support: Team) -> None:
    en = api().get(f"{BASE}/conversations?lang=en").json()["message"]
    zh = api().get(f"{BASE}/conversations", headers={"Accept-Language": "zh-CN"}).json()
    assert en.startswith("Send the chat token")
    assert zh["message"] != en
    bad = create(api(mint_account_token("acct-1")), msg_id="has space")
    assert bad.status_code == 422
    assert bad.json()["code"] == "bad_request"
    assert "client_msg_id" in str(bad.json()["detail"])


# --- visitors, status ---------------------------------------------------------------------
@time_machine.travel("2026-11-25 10:00:30 +00:00", tick=False)
def test_visitor_tokens_are_rate_limited_per_ip(support: Team, settings: Any) -> None:
    settings.KEFU_CHAT_API_VISITOR_RATE = 3
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    client = Client(REMOTE_ADDR=address)
    tokens = [client.post(f"{BASE}/visitor").json()["token"] for _ in range(3)]
    assert len(set(tokens)) == 3
    refused = client.post(f"{BASE}/visitor")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"]
    other_ip = Client(REMOTE_ADDR=f"{address}1").post(f"{BASE}/visitor")
    assert other_ip.status_code == 200
    data = opened(tokens[0])
    assert conv(data["conversation"]["id"]).customer.kind == "visitor"


@time_machine.travel("2026-11-25 10:00:30 +00:00", tick=False)
def test_requests_are_rate_limited_per_principal(support: Team, settings: Any) -> None:
    settings.KEFU_CHAT_API_RATE = 5
    me, other = f"acct-{uuid.uuid4().hex[:12]}", f"acct-{uuid.uuid4().hex[:12]}"
    client = api(mint_account_token(me))
    codes = [client.get(f"{BASE}/conversations").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert api(mint_account_token(other)).get(f"{BASE}/conversations").status_code == 200
    with time_machine.travel("2026-11-25 10:01:30 +00:00", tick=False):  # the next minute
        assert client.get(f"{BASE}/conversations").status_code == 200


def test_status_gives_hours_and_queue_in_the_asked_language(support: Team) -> None:
    make_agent("alice", support)
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Asia/Shanghai")
    calendar.weekly_hours.create(weekday=0, opens="09:00", closes="18:00")
    support.calendar = calendar
    support.save()
    opened(mint_account_token("acct-1"))
    with time_machine.travel("2026-11-29 12:00 +08:00", tick=False):  # a Sunday
        en = api().get(f"{BASE}/status?lang=en").json()
        zh = api().get(f"{BASE}/status?lang=zh-hans").json()
    assert en["open_now"] is False
    assert en["opens_at"].startswith("2026-11-30T09:00")
    assert en["label"] == "Closed"
    assert zh["label"] != en["label"]
    assert (en["queue_length"], en["agents_online"]) == (1, 1)
    assert en["typical_wait_minutes"] >= 1
    assert en["utc_offset"] == "UTC+8"
    with time_machine.travel("2026-11-30 10:00 +08:00", tick=False):
        assert api().get(f"{BASE}/status?lang=en").json()["open_now"] is True


# --- conversations and messages -----------------------------------------------------------
def test_create_is_idempotent_and_goes_through_the_pipeline(support: Team) -> None:
    token = mint_account_token("acct-1")
    first = opened(token, category="withdrawal", body="我的密码是 hunter2 提现失败")
    again = opened(token, category="withdrawal", body="我的密码是 hunter2 提现失败")
    assert first == again
    assert first["seq"] == 1
    conversation = conv(first["conversation"]["id"])
    assert (conversation.category, conversation.team_id) == ("withdrawal", support.pk)
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert first["conversation"]["queue"] == {"position": 1, "wait_minutes": 5}
    # A second request is a conversation of its own.
    second = opened(token, msg_id="m2", body="另一个问题")
    assert second["conversation"]["id"] != first["conversation"]["id"]


def test_list_is_paginated_newest_first_and_only_mine(support: Team) -> None:
    token = mint_account_token("acct-1")
    ids = [opened(token, msg_id=f"m{i}")["conversation"]["id"] for i in range(5)]
    opened(mint_account_token("acct-2"))
    client = api(token)
    page = client.get(f"{BASE}/conversations?limit=2").json()
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = client.get(f"{BASE}/conversations?limit=2&cursor={page['next_cursor']}").json()
        seen += [c["id"] for c in page["items"]]
    assert seen == list(reversed(ids))
    assert api(mint_visitor_token()).get(f"{BASE}/conversations").json() == {
        "items": [], "next_cursor": None}


def test_history_pages_by_seq_without_notes(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    conversation = conv(public_id)
    agent = make_agent("alice", support)
    for i in range(2, 13):
        kind = "note" if i % 4 == 0 else "agent"
        message_post(conversation_id=conversation.pk, kind=kind, body=f"m{i}", author_user=agent)
    client = api(token)
    url = f"{BASE}/conversations/{public_id}/messages"
    forward, cursor = [], 0
    while cursor is not None:
        page = client.get(f"{url}?after={cursor}&limit=3").json()
        forward += [m["seq"] for m in page["items"]]
        cursor = page["next_cursor"]
    visible = [1] + [i for i in range(2, 13) if i % 4]
    assert forward == visible
    newest = client.get(f"{url}?limit=3").json()
    assert [m["seq"] for m in newest["items"]] == visible[-3:]
    older = client.get(f"{url}?limit=3&before={newest['next_cursor']}").json()
    assert [m["seq"] for m in older["items"]] == visible[-6:-3]
    item = newest["items"][-1]
    assert set(item) >= {"conversation", "seq", "kind", "author", "body", "created_at",
                         "revision", "attachments"}
    assert item["author"] == {"role": "agent", "name": "Alice"}
    assert client.get(f"{url}?limit=101").status_code == 422


def test_send_is_idempotent_and_a_closed_conversation_says_so(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    client = api(token)
    url = f"{BASE}/conversations/{public_id}/messages"
    body = {"body": "还在吗", "client_msg_id": "m2"}
    first = client.post(url, body, content_type="application/json").json()
    assert first == client.post(url, body, content_type="application/json").json()
    assert first == {"conversation": public_id, "client_msg_id": "m2", "seq": 2}
    conversation_close(conversation_id=conv(public_id).pk, actor=None)
    closed = client.post(url, {"body": "x", "client_msg_id": "m3"},
                         content_type="application/json")
    assert closed.status_code == 409
    assert closed.json()["code"] == "conversation_closed"
    assert client.post(url, body, content_type="application/json").json() == first
    empty = client.post(url, {"body": "   ", "client_msg_id": "m4"},
                        content_type="application/json")
    assert empty.status_code in (409, 422)


def test_read_state_is_stored_forward_only_and_counts_unread(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    agent = make_agent("alice", support)
    for i in range(3):
        message_post(conversation_id=conv(public_id).pk, kind="agent", body=f"a{i}",
                     author_user=agent)
    client = api(token)
    assert client.get(f"{BASE}/conversations/{public_id}").json()["unread"] == 3
    url = f"{BASE}/conversations/{public_id}/read"
    assert client.post(url, {"seq": 3}, content_type="application/json").json() == {
        "read_seq": 3}
    assert client.post(url, {"seq": 2}, content_type="application/json").json() == {
        "read_seq": 3}
    assert client.post(url, {"seq": 99}, content_type="application/json").json() == {
        "read_seq": 4}
    detail = client.get(f"{BASE}/conversations/{public_id}").json()
    assert (detail["read_seq"], detail["unread"]) == (4, 0)


def test_edits_show_the_latest_text_with_its_revision(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    agent = make_agent("alice", support)
    message = message_post(conversation_id=conv(public_id).pk, kind="agent", body="typo",
                           author_user=agent).message
    message_edit(message_id=message.pk, editor=agent, body="fixed")
    items = api(token).get(f"{BASE}/conversations/{public_id}/messages").json()["items"]
    assert (items[-1]["body"], items[-1]["revision"]) == ("fixed", 1)


# --- attachments --------------------------------------------------------------------------
def upload(client: Client, public_id: str, data: bytes, name: str = "p.png") -> Any:
    return client.post(f"{BASE}/conversations/{public_id}/attachments",
                       {"file": SimpleUploadedFile(name, data, content_type="image/png")})


def test_upload_send_and_fetch_by_signed_url(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    client = api(token)
    response = upload(client, public_id, jpeg_with_gps(), "IMG.JPG")
    assert response.status_code == 200, response.content
    info = response.json()
    assert (info["content_type"], info["name"]) == ("image/jpeg", "IMG.jpg")
    url = f"{BASE}/conversations/{public_id}/messages"
    sent = client.post(url, {"body": "截图", "client_msg_id": "m2", "attachment_ids": [info["id"]]},
                       content_type="application/json")
    assert sent.status_code == 200, sent.content
    again = client.post(url, {"body": "截图", "client_msg_id": "m2",
                              "attachment_ids": [info["id"]]}, content_type="application/json")
    assert again.json() == sent.json()
    item = client.get(url).json()["items"][-1]
    assert [a["id"] for a in item["attachments"]] == [info["id"]]
    anonymous = Client()
    image = anonymous.get(item["attachments"][0]["url"])
    assert image.status_code == 200
    assert image["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(image.content).hexdigest() == info["sha256"]
    assert "no-store" in image["Cache-Control"]
    thumb = anonymous.get(item["attachments"][0]["thumbnail_url"])
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/webp")
    # Reusing the file on another message is refused; nothing is stored.
    reuse = client.post(url, {"body": "again", "client_msg_id": "m3",
                              "attachment_ids": [info["id"]]}, content_type="application/json")
    assert reuse.status_code == 422
    assert reuse.json()["code"] == "attachment_unknown"
    assert Message.objects.filter(conversation__public_id=public_id).count() == 2


def test_signed_urls_expire_and_cannot_be_forged(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    info = upload(api(token), public_id, MINIMAL_PDF, "a.pdf").json()
    assert info["thumbnail_url"] is None
    ok = Client().get(info["url"])
    assert ok.status_code == 200
    assert ok["Content-Disposition"].startswith("attachment")
    forged = info["url"].replace(f"/{info['id']}.f.", f"/{info['id'] + 1}.f.")
    assert Client().get(forged).status_code == 404
    assert Client().get(info["url"][:-2] + "xx").status_code == 404
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2), tick=False):
        assert Client().get(info["url"]).status_code == 404


def test_someone_elses_attachment_cannot_be_sent(support: Team) -> None:
    mine = opened(mint_account_token("acct-1"))["conversation"]["id"]
    theirs_token = mint_account_token("acct-2")
    theirs = opened(theirs_token)["conversation"]["id"]
    other_file = upload(api(theirs_token), theirs, png()).json()
    response = api(mint_account_token("acct-1")).post(
        f"{BASE}/conversations/{mine}/messages",
        {"body": "x", "client_msg_id": "m9", "attachment_ids": [other_file["id"]]},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "attachment_unknown"
    assert Attachment.objects.get(pk=other_file["id"]).message_id is None


def test_oversize_and_wrong_type_uploads(support: Team, settings: Any) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    client = api(token)
    settings.KEFU_ATTACHMENT_MAX_BYTES = 4096
    big = upload(client, public_id, b"%PDF-1.4\n" + b"0" * 5000)
    assert big.status_code == 413
    assert big.json()["code"] == "file_too_large"
    exe = upload(client, public_id, b"MZ" + b"\x00" * 100, "cute.png")
    assert exe.status_code == 422
    assert exe.json()["code"] == "file_type_not_allowed"
    pdf_as_png = upload(client, public_id, MINIMAL_PDF, "cute.png")
    assert pdf_as_png.json()["content_type"] == "application/pdf"
    en = client.post(f"{BASE}/conversations/{public_id}/attachments?lang=en",
                     {"file": SimpleUploadedFile("x.png", b"MZ" * 10)})
    assert en.json()["message"].startswith("Only pictures")
    assert exe.json()["message"].startswith("只能上传图片")  # Chinese by default
    assert Attachment.objects.count() == 1


# --- rating and transcripts ---------------------------------------------------------------
def test_rating_only_after_resolution_and_once(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    client = api(token)
    url = f"{BASE}/conversations/{public_id}/rating"
    early = client.post(url, {"score": 5}, content_type="application/json")
    assert early.status_code == 409
    assert early.json()["code"] == "csat_not_allowed"
    conversation_resolve(conversation_id=conv(public_id).pk, actor=None)
    assert client.post(url, {"score": 9}, content_type="application/json").status_code == 422
    done = client.post(url, {"score": 4, "comment": "快"}, content_type="application/json")
    assert done.json() == {"score": 4, "comment": "快"}
    twice = client.post(url, {"score": 1}, content_type="application/json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "csat_already"
    assert client.get(f"{BASE}/conversations/{public_id}").json()["rating"]["score"] == 4


def test_transcript_pdf_and_email(
    support: Team, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KEFU_CUSTOMER_MAILBOX = ""  # the built-in exchange's adapter wants its own refs
    token = mint_account_token("acct-1")
    public_id = opened(token)["conversation"]["id"]
    client = api(token)
    pdf = client.get(f"{BASE}/conversations/{public_id}/transcript.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    url = f"{BASE}/conversations/{public_id}/transcript/email"
    refused = client.post(url)
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_email"
    customer = customer_for_account(external_ref="acct-1")
    identity_add(customer=customer, kind="email", address="zs@example.com",
                 verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 202
    assert [m.to for m in mail.outbox] == [["zs@example.com"]]
    visitor = mint_visitor_token()
    visitor_conversation = opened(visitor)["conversation"]["id"]
    identity_add(customer=conv(visitor_conversation).customer, kind="email",
                 address="v@example.com", verified_at=timezone.now())
    assert CustomerIdentity.objects.filter(address="v@example.com").exists()
    response = api(visitor).post(f"{BASE}/conversations/{visitor_conversation}/transcript/email")
    assert response.status_code == 409


def test_openapi_documents_the_chat(support: Team) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert f"{BASE}/conversations/{{conversation_id}}/messages" in paths
    assert "ConversationOut" in schema["components"]["schemas"]
    assert "ErrorOut" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]


def test_conversation_open_without_pipeline_is_listed_too(support: Team) -> None:
    customer = customer_for_account(external_ref="acct-7")
    conversation = conversation_open(customer=customer, channel="app", team=support)
    items = api(mint_account_token("acct-7")).get(f"{BASE}/conversations").json()["items"]
    assert [i["id"] for i in items] == [str(conversation.public_id)]
    assert io.BytesIO(b"").read() == b""
