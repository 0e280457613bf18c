"""Writing the help center out as files (Markdown folder or one JSON document)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Prefetch

from kefu.core.models import BusinessCalendar
from kefu.helpcenter.content.schema import WEEKDAYS
from kefu.helpcenter.models import Article, Category, ContactChannel, OfficialDomain, SynonymGroup


def _texts(obj: Any, field: str) -> dict[str, str]:
    return {"zh-hans": getattr(obj, f"{field}_zh_hans"), "en": getattr(obj, f"{field}_en")}


def _interval(opens: Any, closes: Any) -> str:
    end = "24:00" if closes.hour == 0 and closes.minute == 0 else f"{closes:%H:%M}"
    return f"{opens:%H:%M}-{end}"


def _categories() -> list[dict[str, Any]]:
    return [
        {
            "slug": c.slug,
            "position": c.position,
            "icon": c.icon,
            "name": _texts(c, "name"),
            "description": _texts(c, "description"),
        }
        for c in Category.objects.order_by("position", "slug")
    ]


def _articles() -> list[dict[str, Any]]:
    rows = (
        Article.objects.select_related("category")
        .prefetch_related(Prefetch("related", queryset=Article.objects.order_by("slug")))
        .order_by("slug")
    )
    return [
        {
            "slug": a.slug,
            "category": a.category.slug,
            "status": a.status,
            "position": a.position,
            "keywords": a.keywords,
            "related": [r.slug for r in a.related.all()],
            "zh-hans": {
                "title": a.title_zh_hans,
                "summary": a.summary_zh_hans,
                "body": a.body_zh_hans,
            },
            "en": {"title": a.title_en, "summary": a.summary_en, "body": a.body_en},
        }
        for a in rows
    ]


def _contact() -> dict[str, Any]:
    calendars = []
    for cal in BusinessCalendar.objects.prefetch_related("weekly_hours", "special_dates"):
        weekly: dict[str, list[str]] = {}
        for row in cal.weekly_hours.all():
            weekly.setdefault(WEEKDAYS[row.weekday], []).append(_interval(row.opens, row.closes))
        specials: dict[Any, dict[str, Any]] = {}
        for sd in cal.special_dates.all():
            entry = specials.setdefault(
                sd.date, {"date": sd.date.isoformat(), "name": _texts(sd, "name"), "hours": []}
            )
            if sd.opens is not None and sd.closes is not None:
                entry["hours"].append(_interval(sd.opens, sd.closes))
        calendars.append(
            {
                "name": cal.name,
                "time_zone": cal.time_zone,
                "always_open": cal.always_open,
                "weekly": weekly,
                "special_dates": list(specials.values()),
            }
        )
    channels = [
        {
            "key": ch.key,
            "kind": ch.kind,
            "name": _texts(ch, "name"),
            "handle": ch.handle,
            "url": ch.url,
            "extra_identifiers": [i for i in ch.extra_identifiers.splitlines() if i],
            "description": _texts(ch, "description"),
            "calendar": ch.calendar.name if ch.calendar else None,
            "position": ch.position,
            "active": ch.is_active,
        }
        for ch in ContactChannel.objects.select_related("calendar").order_by("position", "key")
    ]
    domains = [{"domain": d.domain, "note": d.note} for d in OfficialDomain.objects.all()]
    return {"calendars": calendars, "channels": channels, "official_domains": domains}


def _synonyms() -> list[dict[str, Any]]:
    return [{"terms": g.term_list(), "note": g.note} for g in SynonymGroup.objects.all()]


def export_json(path: Path) -> None:
    data = {
        "format": "kefu-helpcenter/1",
        "categories": _categories(),
        "articles": _articles(),
        "synonyms": _synonyms(),
        "contact": _contact(),
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def export_markdown(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "categories.yaml").write_text(_dump_yaml(_categories()), encoding="utf-8")
    (root / "synonyms.yaml").write_text(_dump_yaml(_synonyms()), encoding="utf-8")
    (root / "contact.yaml").write_text(_dump_yaml(_contact()), encoding="utf-8")
    articles_dir = root / "articles"
    articles_dir.mkdir(exist_ok=True)
    for article in _articles():
        meta = {
            key: article[key] for key in ("category", "status", "position", "keywords", "related")
        }
        for language in ("zh-hans", "en"):
            meta[language] = {
                "title": article[language]["title"],
                "summary": article[language]["summary"],
            }
        text = (
            f"---\n{_dump_yaml(meta)}---\n"
            f"<!-- zh-hans -->\n{article['zh-hans']['body']}\n\n"
            f"<!-- en -->\n{article['en']['body']}\n"
        )
        (articles_dir / f"{article['slug']}.md").write_text(text, encoding="utf-8")
