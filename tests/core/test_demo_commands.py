"""The demo seeding command is idempotent and prints what a visitor needs to sign in."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from kefu.desk.otp import demo_secrets
from kefu.helpcenter.models import Article

pytestmark = pytest.mark.django_db


def seed(tmp_path: Path) -> str:
    out = StringIO()
    with override_settings(DATA_DIR=tmp_path):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_keeps_one_copy_and_the_same_passwords(tmp_path: Path) -> None:
    first = seed(tmp_path)
    articles = Article.objects.count()
    second = seed(tmp_path)
    assert articles >= 30
    assert Article.objects.count() == articles
    assert get_user_model().objects.filter(username="agent").count() == 1
    password = re.search(r"agent\s+user: agent\s+password: (\S+)", first)
    assert password is not None
    assert password.group(1) in second
    assert "demo@demo-exchange.example" in second
    assert (tmp_path / "demo-credentials.txt").stat().st_mode & 0o777 == 0o600


def test_demo_totp_prints_the_current_code(tmp_path: Path) -> None:
    seed(tmp_path)
    out = StringIO()
    call_command("demo_totp", "agent", stdout=out)
    code = out.getvalue().split()[0]
    assert pyotp.TOTP(demo_secrets()["agent"]).verify(code, valid_window=1)


def test_demo_commands_refuse_outside_the_demo(tmp_path: Path) -> None:
    with override_settings(KEFU_DEMO=False, DATA_DIR=tmp_path):
        with pytest.raises(CommandError, match="KEFU_DEMO"):
            call_command("seed_demo")
        with pytest.raises(CommandError, match="KEFU_DEMO"):
            call_command("demo_totp", "agent")
