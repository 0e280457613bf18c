"""Help-center content: categories and articles, each in Simplified Chinese and English."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual


class Category(Bilingual, models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    icon = models.CharField(
        _("icon"), max_length=40, blank=True, help_text=_("Name of an icon in the site's icon set.")
    )
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_zh_hans = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name_zh_hans

    def get_absolute_url(self) -> str:
        return reverse("helpcenter:category", kwargs={"slug": self.slug})


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED)


class Article(Bilingual, models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_zh_hans = models.CharField(_("summary (Chinese)"), max_length=300, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=300, blank=True)
    body_zh_hans = models.TextField(_("body (Chinese, Markdown)"))
    body_en = models.TextField(_("body (English, Markdown)"))
    keywords = models.CharField(
        _("extra search keywords"),
        max_length=300,
        blank=True,
        help_text=_("Words customers type that are not in the text, separated by commas."),
    )
    related = models.ManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name=_("related articles")
    )
    helpful_yes = models.PositiveIntegerField(_("found helpful"), default=0, editable=False)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["category__position", "position", "id"]
        indexes = [models.Index(fields=["status", "category", "position"])]

    def __str__(self) -> str:
        return self.title_zh_hans

    def get_absolute_url(self) -> str:
        return reverse("helpcenter:article", kwargs={"slug": self.slug})


class ArticleFeedback(models.Model):
    """One visitor's "was this helpful?" answer; a visitor may change it, not repeat it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    voter = models.CharField(max_length=64, help_text="Hash of the visitor's session key.")
    helpful = models.BooleanField()
    language = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "voter"], name="helpcenter_one_vote_per_voter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"
