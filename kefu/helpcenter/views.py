"""Help-center pages: home, categories, articles, search, contact and channel check."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.i18n import current_language
from kefu.helpcenter import selectors
from kefu.helpcenter.contact import channel_statuses, verify_identifier
from kefu.helpcenter.markdown import render_markdown
from kefu.helpcenter.models import Article, Category
from kefu.helpcenter.search import search_articles
from kefu.helpcenter.services import article_record_feedback


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpcenter/home.html",
        {
            "categories": selectors.category_list(),
            "popular": selectors.popular_articles(),
            "channels": channel_statuses(),
        },
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category, slug=slug)
    articles = selectors.category_articles(cat)
    return render(
        request,
        "helpcenter/category.html",
        {"category": cat, "articles": articles, "categories": selectors.category_list()},
    )


def _article_html(article: Article, language: str) -> str:
    key = f"helpcenter:html:{article.pk}:{language}:{article.updated_at.timestamp()}"
    html: str | None = cache.get(key)
    if html is None:
        html = render_markdown(article.tr("body", language))
        cache.set(key, html, 3600)
    return html


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        art = selectors.published_article(slug)
    except Article.DoesNotExist:
        raise Http404(_("This article does not exist or is not published.")) from None
    language = current_language()
    return render(
        request,
        "helpcenter/article.html",
        {
            "article": art,
            "body_html": _article_html(art, language),
            "related": art.published_related,  # type: ignore[attr-defined]
            "voted": request.session.get(f"voted:{art.pk}"),
        },
    )


def _voter_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    raw = f"{settings.SECRET_KEY}:{request.session.session_key}".encode()
    return hashlib.sha256(raw).hexdigest()


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    art = get_object_or_404(Article.objects.published(), slug=slug)
    answer = request.POST.get("helpful")
    if answer not in {"yes", "no"}:
        return HttpResponse(_("Please choose yes or no."), status=400)
    helpful = answer == "yes"
    article_record_feedback(
        article=art, voter=_voter_key(request), helpful=helpful, language=current_language()
    )
    request.session[f"voted:{art.pk}"] = answer
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "helpcenter/_feedback.html", {"article": art, "voted": answer})
    return redirect(art.get_absolute_url() + "#feedback")


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: settings.KEFU_SEARCH_MAX_QUERY_CHARS]
    hits = search_articles(query, language=current_language(), limit=20) if query.strip() else []
    context = {"query": query, "hits": hits}
    if request.htmx and request.GET.get("partial"):  # type: ignore[attr-defined]
        return render(request, "helpcenter/_search_suggestions.html", context)
    return render(request, "helpcenter/search.html", context)


@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "helpcenter/contact.html", {"channels": channel_statuses()})


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    value = request.GET.get("q", "")[:300]
    result = verify_identifier(value) if value.strip() else None
    return render(request, "helpcenter/verify.html", {"value": value, "result": result})
