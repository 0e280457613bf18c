"""Write paths for the help center."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from kefu.helpcenter.models import Article, ArticleFeedback


@transaction.atomic
def article_record_feedback(*, article: Article, voter: str, helpful: bool, language: str) -> None:
    """Count one visitor's "was this helpful?" answer; a changed answer moves the count.

    The unique (article, voter) constraint makes a double submit count once.
    """
    existing = (
        ArticleFeedback.objects.select_for_update().filter(article=article, voter=voter).first()
    )
    if existing is not None:
        if existing.helpful == helpful:
            return
        existing.helpful = helpful
        existing.language = language
        existing.save(update_fields=["helpful", "language", "updated_at"])
        if helpful:
            Article.objects.filter(pk=article.pk).update(
                helpful_yes=F("helpful_yes") + 1, helpful_no=F("helpful_no") - 1
            )
        else:
            Article.objects.filter(pk=article.pk).update(
                helpful_yes=F("helpful_yes") - 1, helpful_no=F("helpful_no") + 1
            )
        return
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(
                article=article, voter=voter, helpful=helpful, language=language
            )
    except IntegrityError:
        return  # a concurrent identical submit won the race; it has been counted
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
