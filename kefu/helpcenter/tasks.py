"""Background work of the help center (see :mod:`kefu.core.tasks`)."""

from __future__ import annotations

import logging

from kefu.core.tasks import task
from kefu.helpcenter import search

logger = logging.getLogger(__name__)


@task
def reindex_article(*, article_id: int) -> None:
    """Bring one article's search rows up to date (idempotent; removes unpublished ones)."""
    search.index_article(article_id)


@task
def rebuild_search_index() -> None:
    """Re-segment every published article, e.g. after synonyms or the dictionary changed."""
    count = search.rebuild_index()
    logger.info("help-center search index rebuilt: %d articles", count)
