"""Help-center pages in both languages, sanitised content and feedback."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.helpcenter.markdown import render_markdown
from kefu.helpcenter.models import Article, ArticleFeedback, ArticleStatus
from kefu.helpcenter.search import index_article
from tests.helpcenter.factories import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    art = make_article("account-locked", keywords="登不上")
    index_article(art.pk)
    return art


def url(name: str, language: str, **kwargs: str) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "账户被锁定怎么办"), ("en", "My account is locked")]
)
def test_article_page_in_each_language(
    client: Client, article: Article, language: str, expected: str
) -> None:
    response = client.get(url("helpcenter:article", language, slug=article.slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 class="page-title">{expected}</h1>' in html
    assert 'lang="zh-Hans"' in html if language == "zh-hans" else 'lang="en"' in html
    # the language switch offers the other language
    assert ('value="en"' in html) == (language == "zh-hans")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "name", ["helpcenter:home", "helpcenter:contact", "helpcenter:verify", "helpcenter:search"]
)
def test_every_page_renders_in_both_languages(
    client: Client, article: Article, name: str, language: str
) -> None:
    response = client.get(url(name, language))
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert 'id="search-q"' in response.content.decode(), "every help page has the search box"


def test_root_redirects_to_the_help_center_in_the_browser_language(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Location"].startswith("/zh-hans/")


@pytest.mark.parametrize("browser_language", ["zh-CN", "en-US"])
def test_language_switch_keeps_the_page(
    client: Client, article: Article, browser_language: str
) -> None:
    page = url("helpcenter:article", "zh-hans", slug=article.slug)
    response = client.post(
        url("set_language", "zh-hans"),
        {"language": "en", "next": page},
        HTTP_ACCEPT_LANGUAGE=browser_language,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/help/articles/{article.slug}/"


def test_draft_article_is_not_shown(client: Client) -> None:
    draft = make_article("upcoming", status=ArticleStatus.DRAFT)
    assert client.get(url("helpcenter:article", "en", slug=draft.slug)).status_code == 404


def test_unknown_article_is_a_friendly_404(client: Client) -> None:
    response = client.get("/en/help/articles/nope/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_category_lists_only_published_articles(client: Client) -> None:
    cat = make_category("security", name_en="Security", name_zh_hans="安全")
    make_article("a-published", category=cat, title_en="Published one")
    make_article("a-draft", category=cat, title_en="Draft one", status=ArticleStatus.DRAFT)
    html = client.get(url("helpcenter:category", "en", slug="security")).content.decode()
    assert "Published one" in html
    assert "Draft one" not in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "[x](JaVaScRiPt:alert(1))",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="#" onclick="alert(1)">x</a>',
    ],
)
def test_markdown_never_yields_script(source: str) -> None:
    tags = _tags(render_markdown(source))
    assert "script" not in {tag for tag, _ in tags}
    for _tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), value


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_markdown_renders_tables_and_internal_links(article: Article) -> None:
    with translation.override("en"):
        html = render_markdown(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n[locked](article:account-locked)"
        )
    assert "<table>" in html
    assert 'href="/en/help/articles/account-locked/"' in html


def test_article_body_with_script_is_shown_as_text(client: Client) -> None:
    evil = make_article("evil", body_en="Hello <script>alert('x')</script> world")
    html = client.get(url("helpcenter:article", "en", slug=evil.slug)).content.decode()
    assert "<script>alert" not in html


def test_feedback_counts_once_per_visitor_and_can_change(client: Client, article: Article) -> None:
    feedback_url = url("helpcenter:feedback", "en", slug=article.slug)
    client.post(feedback_url, {"helpful": "yes"})
    client.post(feedback_url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    client.post(feedback_url, {"helpful": "no"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)
    other = Client()
    other.post(feedback_url, {"helpful": "yes"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert ArticleFeedback.objects.count() == 2


def test_feedback_rejects_bad_answers_and_needs_csrf(article: Article) -> None:
    client = Client(enforce_csrf_checks=True)
    feedback_url = url("helpcenter:feedback", "en", slug=article.slug)
    assert client.post(feedback_url, {"helpful": "yes"}).status_code == 403
    plain = Client()
    assert plain.post(feedback_url, {"helpful": "maybe"}).status_code == 400
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 0)


def test_pages_send_a_strict_content_security_policy(client: Client, article: Article) -> None:
    response = client.get(url("helpcenter:home", "en"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp  # no CDN anywhere
