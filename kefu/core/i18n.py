"""Helpers for content stored in both of Kefu's languages.

Bilingual models keep one column per language, suffixed ``_zh_hans`` and ``_en``.
``obj.tr("title")`` returns the column for the active language, falling back to the other
language when the active one is empty, so a half-translated item still shows something.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone
from django.utils.translation import get_language

LANGUAGE_SUFFIXES = {"zh-hans": "zh_hans", "en": "en"}
DEFAULT_LANGUAGE = "zh-hans"


def normalize_language(code: str | None) -> str:
    """Map any language code Django may hand us onto one of Kefu's two languages."""
    if not code:
        return DEFAULT_LANGUAGE
    code = code.lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hans"
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return normalize_language(get_language())


def other_language(code: str) -> str:
    return "en" if normalize_language(code) == "zh-hans" else "zh-hans"


class Bilingual:
    """Mixin for models with ``<field>_zh_hans`` / ``<field>_en`` columns."""

    def tr(self, field: str, language: str | None = None) -> str:
        lang = normalize_language(language) if language else current_language()
        value: str = getattr(self, f"{field}_{LANGUAGE_SUFFIXES[lang]}", "") or ""
        if value:
            return value
        fallback: str = getattr(self, f"{field}_{LANGUAGE_SUFFIXES[other_language(lang)]}", "")
        return fallback or ""


def format_moment(value: datetime, *, zone: tzinfo | None = None, seconds: bool = False) -> str:
    """``2026-11-26 00:14 (UTC+8)``: a moment in ``zone`` (default: the current time zone).

    Customers read times from many zones; a bare clock time is ambiguous, so every time
    shown to a person carries its UTC offset.
    """
    from kefu.core.business_hours import utc_offset_label

    local = timezone.localtime(value, zone)
    clock = f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"
    return f"{clock} ({utc_offset_label(local)})"
