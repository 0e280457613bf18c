"""Help-center search: Chinese segmentation, synonyms, full-text ranking (FTS5 / PostgreSQL).

Public interface (used by views, the API and the chat widget):

* :func:`search_articles` — ranked hits for a query in one language;
* :func:`index_article` / :func:`rebuild_index` — keep the index in step with the content.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.helpcenter.models import Article


@dataclass(frozen=True)
class SearchHit:
    article: Article
    score: float
    excerpt_html: str  # escaped text with <mark> around matched terms; safe to render


def search_articles(query: str, *, language: str, limit: int = 20) -> list[SearchHit]:
    raise NotImplementedError


def index_article(article_id: int) -> None:
    raise NotImplementedError


def rebuild_index() -> int:
    raise NotImplementedError
