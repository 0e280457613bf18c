"""Reading help-center files and writing them to the database, all or nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

import frontmatter
import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ValidationError

from kefu.core.audit import audit_record
from kefu.core.models import BusinessCalendar, SpecialDate, WeeklyHours
from kefu.helpcenter.content.schema import (
    WEEKDAYS,
    ArticleIn,
    Bundle,
    CategoryIn,
    ContactIn,
    SynonymIn,
    parse_interval,
)
from kefu.helpcenter.models import (
    Article,
    Category,
    ContactChannel,
    OfficialDomain,
    SynonymGroup,
)

_LANGUAGE_MARKER = re.compile(r"^<!--\s*(zh-hans|en)\s*-->\s*$", re.MULTILINE)


class ContentError(Exception):
    """A content file is malformed; ``str()`` names the file and the field."""

    def __init__(self, file: str, field: str, message: str) -> None:
        location = f"{file}: {field}" if field else file
        super().__init__(f"{location}: {message}")
        self.file = file
        self.field = field


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, file: str, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path((prefix, *first["loc"]) if prefix else first["loc"])
        raise ContentError(file, field, first["msg"]) from None


def _read_yaml(path: Path, root: Path) -> Any:
    name = str(path.relative_to(root))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ContentError(name, "", "is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ContentError(name, "", f"is not valid YAML ({exc})") from None


def _list_of(data: Any, name: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ContentError(name, "", "must be a list")
    return data


def _split_bodies(text: str, name: str) -> dict[str, str]:
    parts = _LANGUAGE_MARKER.split(text)
    # parts = [before, lang, body, lang, body, ...]
    if parts[0].strip():
        raise ContentError(
            name, "body", "text before the first <!-- zh-hans --> or <!-- en --> marker"
        )
    bodies: dict[str, str] = {}
    for index in range(1, len(parts), 2):
        language = parts[index]
        if language in bodies:
            raise ContentError(name, f"{language}.body", "language appears twice")
        bodies[language] = parts[index + 1].strip()
    return bodies


def _read_article(path: Path, root: Path) -> ArticleIn:
    name = str(path.relative_to(root))
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ContentError(name, "", "is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ContentError(name, "front matter", f"is not valid YAML ({exc})") from None
    meta: dict[str, Any] = dict(post.metadata)
    bodies = _split_bodies(post.content, name)
    for language in ("zh-hans", "en"):
        section = meta.get(language)
        if section is not None and not isinstance(section, dict):
            raise ContentError(name, language, "must be a mapping with title and summary")
        meta[language] = {**(section or {}), "body": bodies.get(language, "")}
    meta["slug"] = path.stem
    return _validate(ArticleIn, meta, name)


def _read_markdown_dir(root: Path) -> Bundle:
    bundle = Bundle()
    categories_file = root / "categories.yaml"
    if categories_file.exists():
        items = _list_of(_read_yaml(categories_file, root), "categories.yaml")
        bundle.categories = [
            _validate(CategoryIn, item, "categories.yaml", f"[{i}]") for i, item in enumerate(items)
        ]
    synonyms_file = root / "synonyms.yaml"
    if synonyms_file.exists():
        items = _list_of(_read_yaml(synonyms_file, root), "synonyms.yaml")
        bundle.synonyms = [
            _validate(SynonymIn, item, "synonyms.yaml", f"[{i}]") for i, item in enumerate(items)
        ]
    contact_file = root / "contact.yaml"
    if contact_file.exists():
        bundle.contact = _validate(ContactIn, _read_yaml(contact_file, root) or {}, "contact.yaml")
    articles_dir = root / "articles"
    if articles_dir.is_dir():
        bundle.articles = [_read_article(path, root) for path in sorted(articles_dir.glob("*.md"))]
    if not (bundle.categories or bundle.articles or bundle.synonyms or contact_file.exists()):
        raise ContentError(
            str(root), "", "contains no help-center files (categories.yaml, articles/…)"
        )
    return bundle


def load_bundle(path: Path) -> Bundle:
    """Read and validate a JSON file or a Markdown folder; nothing is written."""
    if path.is_dir():
        bundle = _read_markdown_dir(path)
    elif path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ContentError(path.name, "", "is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise ContentError(
                path.name, f"line {exc.lineno}", f"is not valid JSON ({exc.msg})"
            ) from None
        bundle = _validate(Bundle, data, path.name)
    else:
        raise ContentError(str(path), "", "does not exist")
    _check_references(bundle, path.name)
    return bundle


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {value for value in values if value in seen or seen.add(value)}  # type: ignore[func-returns-value]


def _check_references(bundle: Bundle, source: str) -> None:
    """Cross-file rules: unique slugs, and every reference points at something that exists."""
    for kind, values in (
        ("categories", [c.slug for c in bundle.categories]),
        ("articles", [a.slug for a in bundle.articles]),
        ("contact.channels", [c.key for c in bundle.contact.channels]),
        ("contact.calendars", [c.name for c in bundle.contact.calendars]),
    ):
        if dupes := _duplicates(values):
            raise ContentError(source, kind, f"duplicate {', '.join(sorted(dupes))}")
    categories = {c.slug for c in bundle.categories} | set(
        Category.objects.values_list("slug", flat=True)
    )
    articles = {a.slug for a in bundle.articles} | set(
        Article.objects.values_list("slug", flat=True)
    )
    for article in bundle.articles:
        file = f"articles/{article.slug}.md"
        if article.category not in categories:
            raise ContentError(file, "category", f"unknown category {article.category!r}")
        for slug in article.related:
            if slug not in articles:
                raise ContentError(file, "related", f"unknown article {slug!r}")
            if slug == article.slug:
                raise ContentError(file, "related", "an article cannot be related to itself")
        for language, body in (("zh-hans", article.zh_hans.body), ("en", article.en.body)):
            for target in re.findall(r"\]\(article:([^)\s]+)\)", body):
                if target not in articles:
                    raise ContentError(
                        file, f"{language}.body", f"link to unknown article {target!r}"
                    )
    calendars = {c.name for c in bundle.contact.calendars} | set(
        BusinessCalendar.objects.values_list("name", flat=True)
    )
    for channel in bundle.contact.channels:
        if channel.calendar is not None and channel.calendar not in calendars:
            raise ContentError(
                "contact.yaml",
                f"channels.{channel.key}.calendar",
                f"unknown calendar {channel.calendar!r}",
            )


def _write_contact(contact: ContactIn) -> None:
    for cal in contact.calendars:
        calendar, _ = BusinessCalendar.objects.update_or_create(
            name=cal.name, defaults={"time_zone": cal.time_zone, "always_open": cal.always_open}
        )
        calendar.weekly_hours.all().delete()
        calendar.special_dates.all().delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(calendar=calendar, weekday=WEEKDAYS.index(day), opens=o, closes=c)
            for day, intervals in cal.weekly.items()
            for o, c in map(parse_interval, intervals)
        )
        rows: list[SpecialDate] = []
        for special in cal.special_dates:
            common = {
                "calendar": calendar,
                "date": special.date,
                "name_zh_hans": special.name.zh_hans,
                "name_en": special.name.en,
            }
            if not special.hours:
                rows.append(SpecialDate(**common))
            rows.extend(
                SpecialDate(**common, opens=o, closes=c)
                for o, c in map(parse_interval, special.hours)
            )
        SpecialDate.objects.bulk_create(rows)
    calendars = {c.name: c for c in BusinessCalendar.objects.all()}
    for ch in contact.channels:
        ContactChannel.objects.update_or_create(
            key=ch.key,
            defaults={
                "kind": ch.kind,
                "name_zh_hans": ch.name.zh_hans,
                "name_en": ch.name.en,
                "handle": ch.handle,
                "url": ch.url,
                "extra_identifiers": "\n".join(ch.extra_identifiers),
                "description_zh_hans": ch.description.zh_hans,
                "description_en": ch.description.en,
                "calendar": calendars[ch.calendar] if ch.calendar else None,
                "position": ch.position,
                "is_active": ch.active,
            },
        )
    for dom in contact.official_domains:
        OfficialDomain.objects.update_or_create(domain=dom.domain, defaults={"note": dom.note})


def import_bundle(
    bundle: Bundle, *, actor: AbstractBaseUser | None = None, source: str = ""
) -> dict[str, int]:
    """Write a validated bundle in one transaction and rebuild the search index with it."""
    from kefu.helpcenter.search import rebuild_index

    with transaction.atomic():
        for cat in bundle.categories:
            Category.objects.update_or_create(
                slug=cat.slug,
                defaults={
                    "position": cat.position,
                    "icon": cat.icon,
                    "name_zh_hans": cat.name.zh_hans,
                    "name_en": cat.name.en,
                    "description_zh_hans": cat.description.zh_hans,
                    "description_en": cat.description.en,
                },
            )
        categories = {c.slug: c for c in Category.objects.all()}
        for art in bundle.articles:
            Article.objects.update_or_create(
                slug=art.slug,
                defaults={
                    "category": categories[art.category],
                    "status": art.status,
                    "position": art.position,
                    "keywords": art.keywords,
                    "title_zh_hans": art.zh_hans.title,
                    "title_en": art.en.title,
                    "summary_zh_hans": art.zh_hans.summary,
                    "summary_en": art.en.summary,
                    "body_zh_hans": art.zh_hans.body,
                    "body_en": art.en.body,
                },
            )
        articles = {a.slug: a for a in Article.objects.all()}
        Article.objects.filter(status="published", published_at__isnull=True).update(
            published_at=timezone.now()
        )
        for art in bundle.articles:
            articles[art.slug].related.set([articles[slug] for slug in art.related])
        if bundle.synonyms:
            SynonymGroup.objects.all().delete()
            SynonymGroup.objects.bulk_create(
                SynonymGroup(terms=", ".join(s.terms), note=s.note) for s in bundle.synonyms
            )
        _write_contact(bundle.contact)
        indexed = rebuild_index()
        counts = {
            "categories": len(bundle.categories),
            "articles": len(bundle.articles),
            "synonyms": len(bundle.synonyms),
            "channels": len(bundle.contact.channels),
            "calendars": len(bundle.contact.calendars),
            "indexed": indexed,
        }
        audit_record(
            actor=actor,
            action="helpcenter.import",
            data={"source": source, **counts},
            system_label="helpcenter_import",
        )
    return counts


def import_path(path: Path, *, actor: AbstractBaseUser | None = None) -> dict[str, int]:
    """Validate everything under ``path`` first, then write it all or nothing."""
    bundle = load_bundle(path)
    return import_bundle(bundle, actor=actor, source=str(path))
