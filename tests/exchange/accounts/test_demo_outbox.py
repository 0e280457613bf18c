"""The demo outbox page reads back what the file e-mail backend wrote, Chinese included."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.mail import send_mail
from django.test import Client, override_settings

from kefu.exchange.accounts.views.demo import recent_emails


def test_file_backend_mail_reads_back_as_text(tmp_path: Path) -> None:
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=tmp_path
    ):
        body = "您的验证码是 493433，10 分钟内有效。"
        send_mail("[示例交易所] 验证码", body, None, ["a@example.com"])
        emails = recent_emails()
    assert len(emails) == 1
    assert emails[0].subject == "[示例交易所] 验证码"
    assert "您的验证码是 493433" in emails[0].body


@pytest.mark.django_db
def test_outbox_page_is_off_outside_the_demo(client: Client) -> None:
    with override_settings(KEFU_DEMO=False):
        assert client.get("/en/account/demo/outbox/").status_code == 404
    assert client.get("/en/account/demo/outbox/").status_code == 200
