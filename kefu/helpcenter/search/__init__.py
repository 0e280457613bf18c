"""Help-center search: Chinese segmentation, synonyms, full-text ranking (FTS5 / PostgreSQL).

Public interface (used by views, the API and the chat widget):

* :func:`search_articles` — ranked hits for a query in one language;
* :func:`index_article` / :func:`rebuild_index` — keep the index in step with the content.

The pipeline is described in ``docs/search.md``: normalise → Traditional to Simplified →
segment → stem → synonyms → FTS5 / tsvector → rank → excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.core.i18n import LANGUAGE_SUFFIXES, normalize_language, other_language
from kefu.helpcenter.models import Article
from kefu.helpcenter.search.backends import Backend, Row, get_backend
from kefu.helpcenter.search.excerpt import build_excerpt
from kefu.helpcenter.search.index import index_article, rebuild_index
from kefu.helpcenter.search.query import ParsedQuery, parse_query
from kefu.helpcenter.search.synonyms import current_analyzer

__all__ = ["SearchHit", "index_article", "rebuild_index", "search_articles"]

MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchHit:
    article: Article
    score: float
    excerpt_html: str  # escaped text with <mark> around matched terms; safe to render


def search_articles(query: str, *, language: str, limit: int = 20) -> list[SearchHit]:
    """Published articles matching ``query``, best first; never raises on odd input.

    All query terms (each widened to its synonyms) must match; when nothing does, the
    search retries in the other language, then with any term matching, so a natural
    question or English typed on the Chinese page still finds something.

    Articles whose title (or keywords) match come first, ranked among themselves; the
    rest follow. Besides being what readers expect, this lets a broad query rank only
    the title matches instead of every article mentioning the word.
    """
    if not isinstance(query, str) or not query.strip():
        return []
    language = normalize_language(language)
    limit = max(1, min(int(limit), MAX_LIMIT))
    parsed = parse_query(query, current_analyzer())
    if not parsed:
        return []
    backend = get_backend()
    attempts = [(language, True), (other_language(language), True)]
    if len(parsed.groups) > 1:
        attempts += [(language, False), (other_language(language), False)]
    for attempt_language, match_all in attempts:
        rows = _tiered_search(backend, parsed, attempt_language, match_all, limit)
        if rows:
            return _hits(rows, parsed, attempt_language)
    return []


def _tiered_search(
    backend: Backend, parsed: ParsedQuery, language: str, match_all: bool, limit: int
) -> list[Row]:
    def run(titles_only: bool) -> list[Row]:
        return backend.search(
            parsed, language=language, match_all=match_all, limit=limit, titles_only=titles_only
        )

    rows = run(titles_only=True)
    if len(rows) >= limit:
        return rows
    seen = {article_id for article_id, _ in rows}
    # Scores stay non-increasing down the list even where a body-only match outscored
    # the last title match on the raw database score.
    floor = rows[-1][1] if rows else float("inf")
    rest = [(article_id, min(score, floor)) for article_id, score in run(titles_only=False)]
    return rows + [row for row in rest if row[0] not in seen][: limit - len(rows)]


def _hits(rows: list[Row], parsed: ParsedQuery, language: str) -> list[SearchHit]:
    suffix = LANGUAGE_SUFFIXES[language]
    other_body = f"body_{LANGUAGE_SUFFIXES[other_language(language)]}"
    # The other language's body is the largest column and no result list shows it.
    # order_by(): the default ordering would join categories for nothing.
    articles = (
        Article.objects.order_by().defer(other_body).in_bulk([article_id for article_id, _ in rows])
    )
    terms = parsed.highlight_terms()
    hits = []
    for article_id, score in rows:
        article = articles.get(article_id)
        if article is None:  # deleted between the two queries
            continue
        sources = (getattr(article, f"body_{suffix}"), getattr(article, f"summary_{suffix}"))
        hits.append(SearchHit(article, score, build_excerpt(sources, terms)))
    return hits
