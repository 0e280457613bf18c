"""The public help-center API used by the mobile apps and the chat widget."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.helpcenter.models import Article, ArticleStatus
from kefu.helpcenter.search import index_article
from tests.helpcenter.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    art = make_article("account-locked", body_en="Locked after **five** wrong passwords.")
    index_article(art.pk)
    return art


def test_categories_in_the_requested_language(client: Client, article: Article) -> None:
    data = client.get("/api/v1/help/categories?lang=en").json()
    assert data == [
        {
            "slug": "account-access",
            "name": "Account & login",
            "description": "",
            "icon": "",
            "article_count": 1,
        }
    ]
    assert client.get("/api/v1/help/categories?lang=zh-hans").json()[0]["name"] == "账户与登录"


def test_language_follows_accept_language_by_default(client: Client, article: Article) -> None:
    data = client.get("/api/v1/help/articles/account-locked", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["language"] == "en"
    assert data["title"] == "My account is locked"


def test_article_has_markdown_and_sanitised_html(client: Client, article: Article) -> None:
    data = client.get("/api/v1/help/articles/account-locked?lang=en").json()
    assert data["body_markdown"].startswith("Locked after")
    assert "<strong>five</strong>" in data["body_html"]
    assert data["url"] == "/en/help/articles/account-locked/"


def test_drafts_and_unknown_articles_are_404(client: Client) -> None:
    make_article("draft", status=ArticleStatus.DRAFT)
    assert client.get("/api/v1/help/articles/draft").status_code == 404
    assert client.get("/api/v1/help/articles/nope").status_code == 404


def test_bad_language_is_a_validation_error(client: Client, article: Article) -> None:
    response = client.get("/api/v1/help/categories?lang=fr")
    assert response.status_code == 422


def test_search_endpoint(client: Client, article: Article) -> None:
    data = client.get("/api/v1/help/search", {"q": "locked", "lang": "en"}).json()
    assert data["results"][0]["slug"] == "account-locked"
    assert data["language"] == "en"
    assert client.get("/api/v1/help/search", {"q": "", "lang": "en"}).json()["results"] == []


def test_feedback_endpoint_counts_once_per_install(client: Client, article: Article) -> None:
    body = {"helpful": True, "visitor_id": "install-12345"}
    for _ in range(2):
        response = client.post(
            "/api/v1/help/articles/account-locked/feedback", body, content_type="application/json"
        )
    assert response.json() == {"helpful_yes": 1, "helpful_no": 0}
    bad = client.post(
        "/api/v1/help/articles/account-locked/feedback",
        {"helpful": True, "visitor_id": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_openapi_document_lists_the_help_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/help/categories",
        "/api/v1/help/search",
        "/api/v1/help/articles/{slug}",
    } <= paths


def test_api_docs_page_uses_no_cdn(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html
    assert "/static/ninja/" in html
