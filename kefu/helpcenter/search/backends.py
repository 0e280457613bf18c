"""Database-specific full-text matching and ranking.

* SQLite: the FTS5 table ``helpcenter_search_fts`` (external content over
  ``helpcenter_searchdocument``, kept in step by triggers), ranked with
  ``bm25(fts, 10, 1)``: a title hit weighs ten body hits.
* PostgreSQL: the generated column ``search_vector`` (title weight A, body weight B) with a
  GIN index, ranked with ``ts_rank`` using weights A=1.0, B=0.1 and length normalisation 1;
  a second generated column ``title_vector`` (own GIN index) serves the title tier, for
  matching and ranking.

Both are created by migration ``0002_search_fulltext``. The match expression is built
only from tokens of :mod:`.segment` (letters and digits), quoted again for good measure,
and always passed as a query parameter.
"""

from __future__ import annotations

from typing import Protocol

from django.db import connection

from kefu.helpcenter.models import ArticleStatus
from kefu.helpcenter.search.query import Alternative, ParsedQuery

TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0

Row = tuple[int, float]  # article id, score (higher is better)


class Backend(Protocol):
    def search(
        self, query: ParsedQuery, *, language: str, match_all: bool, limit: int, titles_only: bool
    ) -> list[Row]:
        """Ids and scores of published articles matching ``query``, best first.

        ``titles_only`` matches the title column only (still ranked on both columns).
        """

    def optimize(self) -> None:
        """Compact the index after a full rebuild."""


class SQLiteBackend:
    _sql = """
        SELECT d.article_id, bm25(helpcenter_search_fts, %s, %s) AS rank
        FROM helpcenter_search_fts
        JOIN helpcenter_searchdocument d ON d.id = helpcenter_search_fts.rowid
        JOIN helpcenter_article a ON a.id = d.article_id
        WHERE helpcenter_search_fts MATCH %s AND d.language = %s AND a.status = %s
        ORDER BY rank, d.article_id
        LIMIT %s
    """

    def search(
        self, query: ParsedQuery, *, language: str, match_all: bool, limit: int, titles_only: bool
    ) -> list[Row]:
        expression = fts5_expression(query, match_all=match_all)
        if titles_only:
            expression = "{title_terms} : (" + expression + ")"
        params = (TITLE_WEIGHT, BODY_WEIGHT, expression, language, ArticleStatus.PUBLISHED, limit)
        with connection.cursor() as cursor:
            cursor.execute(self._sql, params)
            return [(article_id, -rank) for article_id, rank in cursor.fetchall()]

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO helpcenter_search_fts(helpcenter_search_fts) VALUES ('optimize')"
            )


class PostgresBackend:
    # ts_rank weights are {D, C, B, A}; normalisation 1 divides by 1 + log(length), the
    # nearest thing to BM25's length penalty.
    _sql = """
        SELECT d.article_id, ts_rank(%s::float4[], d.{column}, q, 1) AS rank
        FROM helpcenter_searchdocument d
        JOIN helpcenter_article a ON a.id = d.article_id
        CROSS JOIN to_tsquery('simple', %s) AS q
        WHERE d.{column} @@ q AND d.language = %s AND a.status = %s
        ORDER BY rank DESC, d.article_id
        LIMIT %s
    """

    def search(
        self, query: ParsedQuery, *, language: str, match_all: bool, limit: int, titles_only: bool
    ) -> list[Row]:
        weights = [0.0, 0.0, BODY_WEIGHT / TITLE_WEIGHT, 1.0]
        expression = tsquery_expression(query, match_all=match_all)
        params = (weights, expression, language, ArticleStatus.PUBLISHED, limit)
        # The title tier matches and ranks on title_vector (its own GIN index, small and
        # never TOASTed): ranking a broad word's thousands of title hits on the full
        # vector meant reading every one of their bodies, which dominated the query.
        column = "title_vector" if titles_only else "search_vector"
        with connection.cursor() as cursor:
            cursor.execute(self._sql.format(column=column), params)
            return [(article_id, float(rank)) for article_id, rank in cursor.fetchall()]

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            # A bulk load leaves rows in the GIN pending lists, which every query scans
            # linearly until autovacuum runs: title searches were ten times slower.
            for index in ("helpcenter_searchdoc_vector_gin", "helpcenter_searchdoc_title_gin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute("ANALYZE helpcenter_searchdocument, helpcenter_article")


def get_backend() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"help-center search does not support {connection.vendor}")


def fts5_expression(query: ParsedQuery, *, match_all: bool) -> str:
    groups = [
        "(" + " OR ".join(_fts5_phrase(alt) for alt in group.alternatives) + ")"
        for group in query.groups
    ]
    return (" AND " if match_all else " OR ").join(groups)


def _fts5_phrase(alt: Alternative) -> str:
    # An FTS5 string is double-quoted with inner quotes doubled; "a" + "b" is a phrase and
    # a trailing * makes its last token a prefix.
    phrase = " + ".join('"' + token.replace('"', '""') + '"' for token in alt.tokens)
    return phrase + " *" if alt.prefix else phrase


def tsquery_expression(query: ParsedQuery, *, match_all: bool) -> str:
    groups = [
        "(" + " | ".join(_tsquery_phrase(alt) for alt in group.alternatives) + ")"
        for group in query.groups
    ]
    return (" & " if match_all else " | ").join(groups)


def _tsquery_phrase(alt: Alternative) -> str:
    lexemes = ["'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in alt.tokens]
    if alt.prefix:
        lexemes[-1] += ":*"
    return " <-> ".join(lexemes)
