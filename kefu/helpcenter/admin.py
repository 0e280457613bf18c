from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.helpcenter.models import (
    Article,
    ArticleStatus,
    Category,
    ContactChannel,
    OfficialDomain,
    SynonymGroup,
)
from kefu.helpcenter.tasks import rebuild_search_index, reindex_article


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name_zh_hans", "name_en", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name_zh_hans", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = [
        "title_zh_hans",
        "title_en",
        "category",
        "status",
        "helpful_yes",
        "helpful_no",
        "updated_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["title_zh_hans", "title_en", "slug", "keywords"]
    prepopulated_fields = {"slug": ["title_en"]}
    filter_horizontal = ["related"]
    readonly_fields = ["helpful_yes", "helpful_no", "created_at", "updated_at", "published_at"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["slug", "category", "status", "position", "keywords", "related"]}),
        (_("Simplified Chinese"), {"fields": ["title_zh_hans", "summary_zh_hans", "body_zh_hans"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "body_en"]}),
        (
            _("Statistics"),
            {"fields": ["helpful_yes", "helpful_no", "created_at", "updated_at", "published_at"]},
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        if obj.status == ArticleStatus.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)
        reindex_article.enqueue(article_id=obj.pk)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        article_id = obj.pk
        super().delete_model(request, obj)
        reindex_article.enqueue(article_id=article_id)

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        with transaction.atomic():
            queryset.filter(published_at__isnull=True).update(published_at=timezone.now())
            queryset.update(status=ArticleStatus.PUBLISHED, updated_at=timezone.now())
            for article_id in queryset.values_list("pk", flat=True):
                reindex_article.enqueue(article_id=article_id)

    @admin.action(description=_("Move the selected articles back to draft"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        with transaction.atomic():
            queryset.update(status=ArticleStatus.DRAFT, updated_at=timezone.now())
            for article_id in queryset.values_list("pk", flat=True):
                reindex_article.enqueue(article_id=article_id)


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin[SynonymGroup]):
    list_display = ["terms", "note", "updated_at"]
    search_fields = ["terms", "note"]

    def save_model(self, request: HttpRequest, obj: SynonymGroup, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # New words change how text is segmented, so the whole index is rebuilt.
        rebuild_search_index.enqueue()

    def delete_model(self, request: HttpRequest, obj: SynonymGroup) -> None:
        super().delete_model(request, obj)
        rebuild_search_index.enqueue()


@admin.register(ContactChannel)
class ContactChannelAdmin(admin.ModelAdmin[ContactChannel]):
    list_display = ["name_zh_hans", "kind", "handle", "calendar", "position", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name_zh_hans", "name_en", "handle", "extra_identifiers"]


@admin.register(OfficialDomain)
class OfficialDomainAdmin(admin.ModelAdmin[OfficialDomain]):
    list_display = ["domain", "note"]
    search_fields = ["domain"]
