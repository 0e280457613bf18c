"""Files with the first message: uploaded before any conversation, bound when it opens.

``POST /api/v1/chat/attachments`` stores a file for a customer with no conversation yet;
the message that opens one (REST ``POST /conversations`` or the WebSocket ``send``) binds
it in the same transaction — or, if any file is not the sender's own unsent one, stores
nothing at all. Unsent files are limited per customer and removed after a day.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kefu.chat.tokens import mint_account_token, mint_visitor_token, read_token
from kefu.desk.models import (
    Attachment,
    Conversation,
    CustomerIdentity,
    DeskCustomer,
    InboundMessage,
    Message,
    Team,
)
from kefu.desk.services.attachments import attachments_unsent_purge
from kefu.desk.tasks import attachments_unsent_clean_up
from tests.chat.conftest import Chat, Conn, run
from tests.chat.test_attachments import MINIMAL_PDF, png

BASE = "/api/v1/chat"


@pytest.fixture(autouse=True)
def storage(settings: Any, tmp_path: Path) -> Path:
    settings.KEFU_ATTACHMENT_ROOT = tmp_path / "attachments"
    settings.KEFU_ATTACHMENT_ENCRYPT = False
    settings.KEFU_CHAT_API_RATE = settings.KEFU_CHAT_API_VISITOR_RATE = 100_000
    return tmp_path / "attachments"


@pytest.fixture
def support(db: None) -> Team:
    return Team.objects.create(slug="support", name_zh_hans="客服", name_en="Support",
                               is_default=True)


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def upload(token: str, data: bytes | None = None, name: str = "withdrawal.png",
           lang: str = "") -> Any:
    query = f"?lang={lang}" if lang else ""
    return api(token).post(f"{BASE}/attachments{query}",
                           {"file": SimpleUploadedFile(name, png() if data is None else data)})


def uploaded(token: str, data: bytes | None = None) -> dict[str, Any]:
    response = upload(token, data)
    assert response.status_code == 200, response.content
    info: dict[str, Any] = response.json()
    return info


def create(token: str, ids: list[int], msg_id: str = "m1", lang: str = "") -> Any:
    query = f"?lang={lang}" if lang else ""
    return api(token).post(
        f"{BASE}/conversations{query}",
        {"body": "提现失败，截图见附件", "client_msg_id": msg_id, "channel": "web",
         "attachment_ids": ids},
        content_type="application/json")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def counts() -> tuple[int, int, int]:
    return (Conversation.objects.count(), Message.objects.count(),
            InboundMessage.objects.count())


def nothing_written(before: tuple[int, int, int]) -> bool:
    """No conversation, no message, and no delivery record either (not even a quarantined
    one, which would make a retry with the same client_msg_id fail for good)."""
    return counts() == before


# --- the REST way ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["account", "visitor"])
def test_a_file_uploaded_first_goes_with_the_message_that_opens_the_conversation(
    support: Team, kind: str
) -> None:
    token = mint_account_token("acct-7") if kind == "account" else mint_visitor_token()
    info = uploaded(token)
    attachment = Attachment.objects.get(pk=info["id"])
    assert (attachment.conversation_id, attachment.message_id) == (None, None)
    # The uploader's desk record exists now: the one the first message will find.
    customer = DeskCustomer.objects.get()
    assert attachment.uploader_key == f"c:{customer.pk}"
    if kind == "visitor":
        identity = CustomerIdentity.objects.get(customer=customer)
        assert (identity.kind, identity.address) == ("visitor", read_token(token).ref)
        assert identity.verified_at is not None
    # Its signed link works before it is sent (a preview in the client).
    preview = Client().get(info["url"])
    assert preview.status_code == 200
    assert hashlib.sha256(preview.content).hexdigest() == info["sha256"]

    response = create(token, [info["id"]])
    assert response.status_code == 200, response.content
    public_id = response.json()["conversation"]["id"]
    attachment.refresh_from_db()
    conversation = Conversation.objects.get(public_id=public_id)
    assert attachment.conversation_id == conversation.pk
    assert attachment.message is not None
    assert (attachment.message.seq, attachment.message.conversation_id) == (1, conversation.pk)
    assert conversation.customer_id == customer.pk
    assert DeskCustomer.objects.count() == 1
    # A retry answers the same and binds nothing twice.
    assert create(token, [info["id"]]).json() == response.json()
    items = api(token).get(f"{BASE}/conversations/{public_id}/messages").json()["items"]
    assert [[a["id"] for a in item["attachments"]] for item in items] == [[info["id"]]]
    assert Client().get(items[0]["attachments"][0]["url"]).status_code == 200


def test_files_uploaded_before_can_also_go_with_a_later_message(support: Team) -> None:
    token = mint_account_token("acct-7")
    public_id = create(token, [], "m1").json()["conversation"]["id"]
    info = uploaded(token)
    sent = api(token).post(f"{BASE}/conversations/{public_id}/messages",
                           {"body": "one more", "client_msg_id": "m2",
                            "attachment_ids": [info["id"]]}, content_type="application/json")
    assert sent.status_code == 200, sent.content
    assert Attachment.objects.get(pk=info["id"]).conversation is not None


def test_someone_elses_file_is_refused_and_nothing_is_stored(support: Team) -> None:
    theirs = uploaded(mint_account_token("acct-2"))
    mine = uploaded(mint_account_token("acct-1"))
    before = counts()
    for lang, words in (("en", "An attachment was not found"), ("", "找不到附件")):
        response = create(mint_account_token("acct-1"), [mine["id"], theirs["id"]], lang=lang)
        assert response.status_code == 422
        assert response.json()["code"] == "attachment_unknown"
        assert response.json()["message"].startswith(words)
    assert nothing_written(before)
    # All or nothing: the customer's own file is still unsent, and usable.
    assert set(Attachment.objects.values_list("message_id", flat=True)) == {None}
    assert create(mint_account_token("acct-1"), [mine["id"]], "m2").status_code == 200


def test_a_visitor_token_cannot_send_another_visitors_file(support: Team) -> None:
    alice, mallory = mint_visitor_token(), mint_visitor_token()
    file = uploaded(alice)
    before = counts()
    # Mallory has no desk record yet …
    assert create(mallory, [file["id"]]).json()["code"] == "attachment_unknown"
    # … nor once she has one (her own upload).
    uploaded(mallory)
    assert create(mallory, [file["id"]], "m2").json()["code"] == "attachment_unknown"
    assert nothing_written(before)
    assert Attachment.objects.get(pk=file["id"]).message_id is None


def test_a_file_already_sent_cannot_open_another_conversation(support: Team) -> None:
    token = mint_account_token("acct-1")
    file = uploaded(token)
    assert create(token, [file["id"]], "m1").status_code == 200
    before = counts()
    again = create(token, [file["id"]], "m2")
    assert (again.status_code, again.json()["code"]) == (422, "attachment_unknown")
    assert nothing_written(before)


def test_a_file_of_a_conversation_cannot_open_a_new_one(support: Team) -> None:
    token = mint_account_token("acct-1")
    public_id = create(token, [], "m1").json()["conversation"]["id"]
    in_conversation = api(token).post(f"{BASE}/conversations/{public_id}/attachments",
                                      {"file": SimpleUploadedFile("a.png", png())}).json()
    before = counts()
    response = create(token, [in_conversation["id"]], "m2")
    assert response.json()["code"] == "attachment_unknown"
    assert nothing_written(before)


def test_wrong_type_and_too_large_are_refused_in_the_requests_language(
    support: Team, settings: Any, storage: Path
) -> None:
    token = mint_visitor_token()
    exe = upload(token, b"MZ" + b"\x00" * 100, "cute.png")
    assert (exe.status_code, exe.json()["code"]) == (422, "file_type_not_allowed")
    assert exe.json()["message"].startswith("只能上传图片")
    english = upload(token, b"MZ" + b"\x00" * 100, "cute.png", lang="en")
    assert english.json()["message"].startswith("Only pictures")
    settings.KEFU_ATTACHMENT_MAX_BYTES = 2048
    big = upload(token, MINIMAL_PDF + b"%" * 4000, "big.pdf", lang="en")
    assert (big.status_code, big.json()["code"]) == (413, "file_too_large")
    assert "MB" in big.json()["message"]
    # Nothing half-written: no file, no stored bytes, not even the visitor's record.
    assert Attachment.objects.count() == 0
    assert stored_files(storage) == []
    assert DeskCustomer.objects.count() == 0


def test_unsent_files_are_limited_per_customer(support: Team, settings: Any,
                                               storage: Path) -> None:
    settings.KEFU_ATTACHMENT_MAX_UNSENT = 2
    token = mint_account_token("acct-1")
    first, second = uploaded(token), uploaded(token)
    for lang, words in (("en", "You have too many files waiting"), ("", "您有太多尚未发送的文件")):
        refused = upload(token, lang=lang)
        assert (refused.status_code, refused.json()["code"]) == (409, "too_many_unsent")
        assert refused.json()["message"].startswith(words)
        assert "2" in refused.json()["message"]
    assert Attachment.objects.count() == 2
    assert len(stored_files(storage)) == 4  # two files and their thumbnails, nothing more
    # Another customer is not affected; sending frees the places.
    assert upload(mint_account_token("acct-2")).status_code == 200
    assert create(token, [first["id"], second["id"]]).status_code == 200
    assert upload(token).status_code == 200


# --- the WebSocket way ----------------------------------------------------------------------
def test_websocket_first_send_binds_files_uploaded_before(chat: Chat) -> None:
    token = chat.token
    picture, document = uploaded(token), uploaded(token, MINIMAL_PDF)

    async def scenario() -> None:
        c = await Conn().open()
        assert (await c.hello(token))["conversation"] is None
        await c.send({"type": "send", "client_msg_id": "f1", "body": "提现失败",
                      "attachments": [picture["id"], document["id"]]})
        ack = await c.recv_type("ack")
        assert ack["seq"] == 1
        assert (await c.recv_type("welcome"))["conversation"] == ack["conversation"]
        message = await c.recv_type("message")
        assert [a["id"] for a in message["attachments"]] == [picture["id"], document["id"]]
        assert message["attachments"][0]["url"].startswith("/api/v1/chat/files/")
        await c.close()

    run(scenario)
    conversation = Conversation.objects.get(customer=chat.customer)
    assert set(Attachment.objects.values_list("conversation_id", "message__seq")) == {
        (conversation.pk, 1)}


def test_websocket_visitor_uploads_with_the_token_of_its_welcome(chat: Chat) -> None:
    async def scenario() -> None:
        c = await Conn().open()
        welcome = await c.hello(None)
        token = welcome["token"]
        info = await database_sync_to_async(uploaded)(token)
        await c.send({"type": "send", "client_msg_id": "v1", "body": "help",
                      "attachments": [info["id"]]})
        ack = await c.recv_type("ack")
        assert ack["seq"] == 1
        message = await c.recv_type("message")
        assert [a["id"] for a in message["attachments"]] == [info["id"]]
        await c.close()

    run(scenario)
    attachment = Attachment.objects.get()
    assert attachment.message is not None
    assert attachment.conversation is not None
    assert attachment.conversation.customer.kind == "visitor"


def test_websocket_first_send_with_a_foreign_file_stores_nothing(chat: Chat) -> None:
    theirs = uploaded(chat.other_token)
    mine = uploaded(chat.token)

    async def scenario() -> None:
        c = await Conn().open()
        await c.hello(chat.token, lang="en")
        await c.send({"type": "send", "client_msg_id": "f1", "body": "x",
                      "attachments": [mine["id"], theirs["id"]]})
        error = await c.recv_type("error")
        assert (error["code"], error["client_msg_id"]) == ("attachment_unknown", "f1")
        assert error["message"].startswith("An attachment was not found")
        assert await c.nothing()  # no ack, no welcome: no conversation was opened
        await c.close()

    run(scenario)
    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0
    assert set(Attachment.objects.values_list("message_id", flat=True)) == {None}


# --- the clean-up ---------------------------------------------------------------------------
def test_unsent_files_are_removed_after_a_day_sent_ones_stay(support: Team,
                                                            storage: Path) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = mint_account_token("acct-1")
        forgotten = uploaded(token)
        sent = uploaded(token)
        public_id = create(token, [sent["id"]]).json()["conversation"]["id"]
        in_conversation = api(token).post(f"{BASE}/conversations/{public_id}/attachments",
                                          {"file": SimpleUploadedFile("b.png", png())}).json()
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        recent = uploaded(mint_account_token("acct-1"))
        attachments_unsent_clean_up()  # nothing is a day old yet
        assert Attachment.objects.count() == 4
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        token = mint_account_token("acct-1")  # account tokens are short-lived
        attachments_unsent_clean_up()
        assert set(Attachment.objects.values_list("pk", flat=True)) == {
            sent["id"], recent["id"]}
        # The bytes went with the rows; the sent file's and the recent one's are there.
        kept = {a.storage_key for a in Attachment.objects.all()}
        assert {p.name for p in stored_files(storage) if not p.name.endswith(".thumb")} == kept
        late = create(token, [forgotten["id"]], "m2")
        assert late.json()["code"] == "attachment_unknown"
        sent_late = api(token).post(f"{BASE}/conversations/{public_id}/messages",
                                    {"body": "x", "client_msg_id": "m3",
                                     "attachment_ids": [in_conversation["id"]]},
                                    content_type="application/json")
        assert sent_late.json()["code"] == "attachment_unknown"
        assert attachments_unsent_purge() == 0  # run again (or on another process): no-op


def test_the_clean_up_command(support: Team) -> None:
    uploaded(mint_account_token("acct-1"))
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        out = StringIO()
        call_command("attachments_purge_unsent", stdout=out)
    assert out.getvalue().startswith("Removed 1 unsent attachment(s) older than 24 h.")
    assert Attachment.objects.count() == 0


def test_openapi_documents_uploads_before_the_first_message(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    upload_op = schema["paths"][f"{BASE}/attachments"]["post"]
    assert {"200", "409", "413", "422"} <= set(upload_op["responses"])
    create_in = schema["components"]["schemas"]["CreateIn"]["properties"]
    assert create_in["attachment_ids"]["type"] == "array"
