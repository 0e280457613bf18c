"""Canned responses and satisfaction ratings."""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual
from kefu.desk.models.conversations import Conversation
from kefu.desk.models.teams import Team

# The only placeholders a canned response may use. Values are plain strings; rendering
# is str.format_map on this whitelist, so neither the template nor the values can
# reach attributes, indexes or Django's template language.
PLACEHOLDERS = ("customer_name", "agent_name", "conversation_id", "platform_name")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render_placeholders(text: str, values: Mapping[str, str]) -> str:
    safe = _Blank({k: str(v) for k, v in values.items() if k in PLACEHOLDERS})
    out: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:  # unbalanced braces: show the text exactly as written
        return text
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        if field in PLACEHOLDERS and not spec and conversion is None:
            out.append(safe[field])
        else:  # anything else is shown as typed, never evaluated
            out.append("{" + field + (f"!{conversion}" if conversion else "")
                       + (f":{spec}" if spec else "") + "}")
    return "".join(out)


class CannedResponse(Bilingual, models.Model):
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        help_text=_("Empty: available to every team."),
    )
    shortcut = models.SlugField(_("shortcut"), max_length=40, unique=True)
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    body_zh_hans = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["shortcut"]

    def __str__(self) -> str:
        return self.tr("title")

    def render(self, language: str, values: Mapping[str, str]) -> str:
        return render_placeholders(self.tr("body", language), values)


class CsatRating(models.Model):
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="csat"
    )
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="desk_csat_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.score}"
