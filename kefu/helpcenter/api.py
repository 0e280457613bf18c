"""Public help-center API for mobile apps and the chat widget (no authentication needed).

Texts come in the language asked for with ``?lang=zh-hans|en``; without it, the request's
Accept-Language decides (Simplified Chinese by default).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema

from kefu.core.i18n import normalize_language
from kefu.helpcenter import selectors
from kefu.helpcenter.markdown import render_markdown
from kefu.helpcenter.models import Article, Category
from kefu.helpcenter.search import search_articles

router = Router(tags=["help center"])

Language = Literal["zh-hans", "en"]


class LanguageQuery(Schema):
    lang: Language | None = Field(None, description="zh-hans or en; default from Accept-Language")


class CategoryOut(Schema):
    slug: str
    name: str
    description: str
    icon: str
    article_count: int


class ArticleSummaryOut(Schema):
    slug: str
    title: str
    summary: str
    category: str
    url: str
    updated_at: datetime


class ArticleOut(ArticleSummaryOut):
    language: Language
    body_markdown: str
    body_html: str = Field(description="Sanitised HTML, safe to display in a web view")
    helpful_yes: int
    helpful_no: int
    related: list[ArticleSummaryOut]


class CategoryDetailOut(CategoryOut):
    articles: list[ArticleSummaryOut]


class SearchHitOut(ArticleSummaryOut):
    score: float
    excerpt_html: str = Field(description="Escaped text with <mark> around matched words")


class SearchOut(Schema):
    query: str
    language: Language
    results: list[SearchHitOut]


class FeedbackIn(Schema):
    helpful: bool
    visitor_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A stable random id the app keeps for this install",
    )


class FeedbackOut(Schema):
    helpful_yes: int
    helpful_no: int


def _language(request: HttpRequest, lang: str | None) -> str:
    return normalize_language(lang or translation.get_language())


def _summary(article: Article, language: str) -> dict[str, object]:
    with translation.override(language):
        return {
            "slug": article.slug,
            "title": article.tr("title", language),
            "summary": article.tr("summary", language),
            "category": article.category.slug,
            "url": article.get_absolute_url(),
            "updated_at": article.updated_at,
        }


def _category(category: Category, language: str, count: int) -> dict[str, object]:
    return {
        "slug": category.slug,
        "name": category.tr("name", language),
        "description": category.tr("description", language),
        "icon": category.icon,
        "article_count": count,
    }


@router.get("/categories", response=list[CategoryOut], summary="List categories")
def list_categories(request: HttpRequest, q: Query[LanguageQuery]) -> list[dict[str, object]]:
    language = _language(request, q.lang)
    return [_category(c, language, c.published_count) for c in selectors.category_list()]  # type: ignore[attr-defined]


@router.get(
    "/categories/{slug}", response=CategoryDetailOut, summary="One category and its articles"
)
def get_category(request: HttpRequest, slug: str, q: Query[LanguageQuery]) -> dict[str, object]:
    language = _language(request, q.lang)
    category = get_object_or_404(Category, slug=slug)
    articles = list(selectors.category_articles(category).select_related("category"))
    return {
        **_category(category, language, len(articles)),
        "articles": [_summary(a, language) for a in articles],
    }


@router.get("/articles/{slug}", response=ArticleOut, summary="One published article")
def get_article(request: HttpRequest, slug: str, q: Query[LanguageQuery]) -> dict[str, object]:
    language = _language(request, q.lang)
    try:
        article = selectors.published_article(slug)
    except Article.DoesNotExist:
        from ninja.errors import HttpError

        raise HttpError(404, "Not found") from None
    body = article.tr("body", language)
    with translation.override(language):
        body_html = render_markdown(body)
    return {
        **_summary(article, language),
        "language": language,
        "body_markdown": body,
        "body_html": body_html,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
        "related": [_summary(r, language) for r in article.published_related],  # type: ignore[attr-defined]
    }


class SearchQuery(LanguageQuery):
    q: str = Field("", description="What the customer typed; any text is accepted")
    limit: int = Field(10, ge=1, le=50)


@router.get("/search", response=SearchOut, summary="Search articles")
def search(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, object]:
    language = _language(request, params.lang)
    query = params.q[: settings.KEFU_SEARCH_MAX_QUERY_CHARS]
    hits = search_articles(query, language=language, limit=params.limit) if query.strip() else []
    return {
        "query": query,
        "language": language,
        "results": [
            {
                **_summary(hit.article, language),
                "score": hit.score,
                "excerpt_html": hit.excerpt_html,
            }
            for hit in hits
        ],
    }


@router.post("/articles/{slug}/feedback", response=FeedbackOut, summary="Was this helpful?")
def post_feedback(request: HttpRequest, slug: str, payload: FeedbackIn) -> dict[str, int]:
    from kefu.helpcenter.services import article_record_feedback

    article = get_object_or_404(Article.objects.published(), slug=slug)
    article_record_feedback(
        article=article,
        voter=f"app:{payload.visitor_id}",
        helpful=payload.helpful,
        language=_language(request, None),
    )
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    return {"helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no}
