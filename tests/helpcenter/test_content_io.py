"""Import and export of the help center: round trips, and all-or-nothing on bad files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kefu.core.models import AuditEntry, BusinessCalendar
from kefu.helpcenter.content import ContentError, export_json, export_markdown, import_path
from kefu.helpcenter.models import Article, Category, ContactChannel, SynonymGroup

DEMO = Path(__file__).resolve().parents[2] / "kefu" / "helpcenter" / "demo_content"

pytestmark = pytest.mark.django_db

ARTICLE = """---
category: account-access
status: published
position: 1
keywords: 登不上, cannot log in
related: [reset-password]
zh-hans:
  title: 账户被锁定怎么办
  summary: 锁定的原因和解锁方法
en:
  title: My account is locked
  summary: Why and how to unlock
---
<!-- zh-hans -->
连续输错密码五次后，账户会被锁定。请[重置密码](article:reset-password)。

<!-- en -->
After five wrong passwords the account is locked. [Reset your password](article:reset-password).
"""

RESET = """---
category: account-access
zh-hans: {title: 重置密码}
en: {title: Reset your password}
---
<!-- zh-hans -->
通过邮件验证码重置密码。
<!-- en -->
Reset it with an e-mail code.
"""


def write_folder(root: Path, **overrides: str) -> Path:
    files = {
        "categories.yaml": "- slug: account-access\n  name: {zh-hans: 账户与登录, en: Account}\n",
        "synonyms.yaml": "- terms: [锁定, 冻结, locked]\n",
        "contact.yaml": (
            "calendars:\n"
            "  - name: Live\n    time_zone: Asia/Shanghai\n"
            "    weekly: {mon: ['09:00-12:00', '13:00-24:00']}\n"
            "    special_dates:\n"
            "      - {date: 2027-02-06, name: {zh-hans: 春节, en: Spring Festival}}\n"
            "channels:\n"
            "  - key: web-chat\n    kind: web_chat\n    name: {zh-hans: 在线客服, en: Live chat}\n"
            "    handle: help.example.com\n    calendar: Live\n"
            "official_domains:\n  - domain: example.com\n"
        ),
        "articles/account-locked.md": ARTICLE,
        "articles/reset-password.md": RESET,
    }
    files.update(overrides)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_markdown_folder_imports_everything(tmp_path: Path) -> None:
    counts = import_path(write_folder(tmp_path))
    assert counts["articles"] == 2
    article = Article.objects.get(slug="account-locked")
    assert article.title_en == "My account is locked"
    assert "五次" in article.body_zh_hans
    assert "[Reset your password](article:reset-password)" in article.body_en
    assert [r.slug for r in article.related.all()] == ["reset-password"]
    assert article.published_at is not None
    calendar = BusinessCalendar.objects.get(name="Live")
    assert calendar.weekly_hours.count() == 2
    assert calendar.special_dates.get().name_en == "Spring Festival"
    assert ContactChannel.objects.get(key="web-chat").calendar == calendar
    assert SynonymGroup.objects.get().term_list() == ["锁定", "冻结", "locked"]
    assert AuditEntry.objects.filter(action="helpcenter.import").count() == 1


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    import_path(folder)
    import_path(folder)
    assert Article.objects.count() == 2
    assert SynonymGroup.objects.count() == 1
    assert BusinessCalendar.objects.get().weekly_hours.count() == 2


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_export_then_import_round_trips(tmp_path: Path, fmt: str) -> None:
    import_path(write_folder(tmp_path / "src"))
    target = tmp_path / ("out.json" if fmt == "json" else "out")
    (export_json if fmt == "json" else export_markdown)(target)
    before = json.loads(_snapshot())
    Article.objects.all().delete()
    Category.objects.all().delete()
    import_path(target)
    assert json.loads(_snapshot()) == before


def _snapshot() -> str:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "snapshot.json"
        export_json(out)
        return out.read_text()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"articles/account-locked.md": ARTICLE.replace("  title: My account is locked\n", "")},
            "articles/account-locked.md: en.title: Field required",
        ),
        (
            {"articles/account-locked.md": ARTICLE.replace("status: published", "status: live")},
            "articles/account-locked.md: status",
        ),
        (
            {
                "articles/account-locked.md": ARTICLE.replace(
                    "category: account-access", "category: nope"
                )
            },
            "articles/account-locked.md: category: unknown category 'nope'",
        ),
        (
            {
                "articles/account-locked.md": ARTICLE.replace(
                    "related: [reset-password]", "related: [ghost]"
                )
            },
            "articles/account-locked.md: related: unknown article 'ghost'",
        ),
        (
            {"articles/account-locked.md": ARTICLE.replace("<!-- en -->", "<!-- fr -->")},
            "articles/account-locked.md: en.body",
        ),
        (
            {"articles/account-locked.md": "---\ncategory: [unclosed\n---\n"},
            "articles/account-locked.md: front matter: is not valid YAML",
        ),
        (
            {"categories.yaml": "- slug: Bad Slug!\n  name: {zh-hans: x, en: y}\n"},
            "categories.yaml: [0].slug",
        ),
        (
            {"contact.yaml": "calendars:\n  - {name: X, time_zone: Mars/Olympus}\n"},
            "contact.yaml: calendars.0.time_zone",
        ),
        (
            {
                "contact.yaml": (
                    "calendars:\n  - {name: X, time_zone: UTC, weekly: {mon: ['18:00-09:00']}}\n"
                )
            },
            "contact.yaml: calendars.0.weekly",
        ),
        ({"synonyms.yaml": "- terms: [only-one]\n"}, "synonyms.yaml: [0].terms"),
    ],
)
def test_malformed_file_names_file_and_field_and_changes_nothing(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    folder = write_folder(tmp_path, **overrides)
    with pytest.raises(ContentError) as excinfo:
        import_path(folder)
    assert message in str(excinfo.value)
    assert not Article.objects.exists()
    assert not Category.objects.exists()
    assert not BusinessCalendar.objects.exists()
    assert not SynonymGroup.objects.exists()


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "help.json"
    bad.write_text('{"format": "kefu-helpcenter/1",\n "articles": [}')
    with pytest.raises(ContentError, match=r"help\.json: line 2: is not valid JSON"):
        import_path(bad)


def test_management_command_reports_error_and_keeps_existing_content(tmp_path: Path) -> None:
    import_path(write_folder(tmp_path / "good"))
    bad = write_folder(tmp_path / "bad", **{"articles/reset-password.md": "no front matter"})
    with pytest.raises(CommandError, match=r"nothing was changed: articles/reset-password\.md"):
        call_command("helpcenter_import", str(bad))
    assert Article.objects.get(slug="reset-password").title_en == "Reset your password"


def test_demo_content_is_valid_and_complete() -> None:
    counts = import_path(DEMO)
    assert counts["articles"] >= 30
    published = Article.objects.published()
    assert published.count() >= 30
    for article in published:
        assert article.title_zh_hans, article.slug
        assert article.title_en, article.slug
        assert len(article.body_zh_hans) > 100, article.slug
        assert len(article.body_en) > 100, article.slug
    kinds = set(ContactChannel.objects.values_list("kind", flat=True))
    assert kinds >= {"web_chat", "app_chat", "email", "telegram", "x", "facebook", "hotline"}
