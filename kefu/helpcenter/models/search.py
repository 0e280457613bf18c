"""Search index rows and the synonym table.

``SearchDocument`` holds each article's text already segmented and normalised (one row
per language). The full-text index over it is database-specific and created by migration:
an FTS5 table on SQLite, a weighted ``tsvector`` column with a GIN index on PostgreSQL.
See :mod:`kefu.helpcenter.search`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    article = models.ForeignKey(
        "helpcenter.Article", on_delete=models.CASCADE, related_name="search_documents"
    )
    language = models.CharField(max_length=10)
    title_terms = models.TextField()
    body_terms = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="helpcenter_one_document_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language}"


class SynonymGroup(models.Model):
    """Words customers use for the same thing; a search for one finds all of them."""

    terms = models.TextField(
        _("terms"),
        help_text=_("Words and phrases meaning the same thing, separated by commas or new lines."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonyms")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.terms[:80]

    def term_list(self) -> list[str]:
        raw = self.terms.replace("\n", ",").replace("，", ",").replace("、", ",")
        return [term.strip() for term in raw.split(",") if term.strip()]
