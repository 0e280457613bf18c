"""Read-side queries for help-center pages and the API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kefu.helpcenter.models import Article, ArticleStatus, Category


def category_list() -> QuerySet[Category]:
    """Categories that have at least one published article, with those articles prefetched."""
    published = Article.objects.published().order_by("position", "id")
    return (
        Category.objects.annotate(
            published_count=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED))
        )
        .filter(published_count__gt=0)
        .prefetch_related(Prefetch("articles", queryset=published, to_attr="published_articles"))
        .order_by("position", "id")
    )


def published_article(slug: str) -> Article:
    """The published article with this slug; raises Article.DoesNotExist otherwise."""
    return (
        Article.objects.published()
        .select_related("category")
        .prefetch_related(
            Prefetch("related", queryset=Article.objects.published(), to_attr="published_related")
        )
        .get(slug=slug)
    )


def popular_articles(limit: int = 6) -> QuerySet[Article]:
    return (
        Article.objects.published()
        .select_related("category")
        .order_by("-helpful_yes", "category__position", "position")[:limit]
    )


def category_articles(category: Category) -> QuerySet[Article]:
    return category.articles.published().order_by("position", "id")
