"""Keep ``SearchDocument`` rows in step with articles.

Only published articles have rows (one per language with any text). A document's
``title_terms`` holds the title and the editor's keywords, which are chosen words and
deserve the title's weight; ``body_terms`` holds the summary and the body.
"""

from __future__ import annotations

from django.db import transaction

from kefu.core.i18n import LANGUAGE_SUFFIXES
from kefu.helpcenter.models import Article, ArticleStatus, SearchDocument
from kefu.helpcenter.search.backends import get_backend
from kefu.helpcenter.search.plaintext import markdown_to_text
from kefu.helpcenter.search.synonyms import Analyzer, current_analyzer

LANGUAGES = tuple(LANGUAGE_SUFFIXES)
_BATCH = 500


def index_article(article_id: int) -> None:
    """(Re)build both language rows of one article; remove them if it is not published."""
    analyzer = current_analyzer()
    with transaction.atomic():
        article = Article.objects.filter(pk=article_id).first()
        if article is None or article.status != ArticleStatus.PUBLISHED:
            SearchDocument.objects.filter(article_id=article_id).delete()
            return
        documents = {doc.language: doc for doc in article_documents(article, analyzer)}
        SearchDocument.objects.filter(article=article).exclude(language__in=documents).delete()
        for language, doc in documents.items():
            SearchDocument.objects.update_or_create(
                article=article,
                language=language,
                defaults={"title_terms": doc.title_terms, "body_terms": doc.body_terms},
            )


def rebuild_index() -> int:
    """Rebuild every row from scratch; returns the number of articles indexed."""
    analyzer = current_analyzer()
    count = 0
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        batch: list[SearchDocument] = []
        for article in Article.objects.published().order_by("id").iterator(chunk_size=_BATCH):
            batch.extend(article_documents(article, analyzer))
            count += 1
            if len(batch) >= _BATCH:
                SearchDocument.objects.bulk_create(batch)
                batch = []
        SearchDocument.objects.bulk_create(batch)
    get_backend().optimize()
    return count


def article_documents(article: Article, analyzer: Analyzer) -> list[SearchDocument]:
    keywords = article.keywords.replace("，", ",").replace(",", "\n")
    documents = []
    for language, suffix in LANGUAGE_SUFFIXES.items():
        title = getattr(article, f"title_{suffix}")
        summary = getattr(article, f"summary_{suffix}")
        body = markdown_to_text(getattr(article, f"body_{suffix}"))
        if not (title or summary or body):
            continue  # untranslated: the other language's row serves it (see search fallback)
        documents.append(
            SearchDocument(
                article=article,
                language=language,
                title_terms=" ".join(analyzer.tokens(f"{title}\n{keywords}", for_index=True)),
                body_terms=" ".join(analyzer.tokens(f"{summary}\n{body}", for_index=True)),
            )
        )
    return documents
