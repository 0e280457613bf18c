"""The shape of help-center content files, validated strictly with pydantic."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class Texts(Strict):
    zh_hans: str = Field(alias="zh-hans", max_length=300)
    en: str = Field(max_length=300)


class OptionalTexts(Strict):
    zh_hans: str = Field("", alias="zh-hans", max_length=300)
    en: str = Field("", max_length=300)


class CategoryIn(Strict):
    slug: Slug
    position: int = Field(0, ge=0)
    icon: str = Field("", max_length=40)
    name: Texts
    description: OptionalTexts = Field(default_factory=OptionalTexts)


class ArticleLanguageIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field("", max_length=300)
    body: str = Field(min_length=1, max_length=100_000)


class ArticleIn(Strict):
    slug: Slug
    category: Slug
    status: Literal["published", "draft"] = "published"
    position: int = Field(0, ge=0)
    keywords: str = Field("", max_length=300)
    related: list[Slug] = []
    zh_hans: ArticleLanguageIn = Field(alias="zh-hans")
    en: ArticleLanguageIn

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords_as_text(cls, value: object) -> object:
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value


class SynonymIn(Strict):
    terms: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=2)
    note: str = Field("", max_length=200)


def parse_interval(value: str) -> tuple[time, time]:
    match = _INTERVAL.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not an interval like 09:00-18:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{value!r} has an impossible time")
    opens = time(h1, m1)
    closes = time(0, 0) if h2 == 24 else time(h2, m2)
    if closes != time(0, 0) and closes <= opens:
        raise ValueError(f"{value!r} closes before it opens")
    return opens, closes


class SpecialDateIn(Strict):
    date: date
    name: OptionalTexts = Field(default_factory=OptionalTexts)
    hours: list[str] = []

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_interval(item)
        return value


class CalendarIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    time_zone: str
    always_open: bool = False
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = {}
    special_dates: list[SpecialDateIn] = []

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone") from None
        return value

    @field_validator("weekly")
    @classmethod
    def _valid_weekly(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for intervals in value.values():
            for item in intervals:
                parse_interval(item)
        return value


class ChannelIn(Strict):
    key: Slug
    kind: Literal["web_chat", "app_chat", "email", "telegram", "x", "facebook", "hotline"]
    name: Texts
    handle: str = Field(min_length=1, max_length=200)
    url: str = Field("", max_length=200, pattern=r"^((https?://|mailto:|tel:)\S+)?$")
    extra_identifiers: list[Annotated[str, Field(max_length=200)]] = []
    description: OptionalTexts = Field(default_factory=OptionalTexts)
    calendar: str | None = None
    position: int = Field(0, ge=0)
    active: bool = True


class DomainIn(Strict):
    domain: str = Field(pattern=r"^[a-z0-9.-]+\.[a-z0-9-]+$", max_length=253)
    note: str = Field("", max_length=200)


class ContactIn(Strict):
    calendars: list[CalendarIn] = []
    channels: list[ChannelIn] = []
    official_domains: list[DomainIn] = []


class Bundle(Strict):
    """Everything in one help center; what the importer writes and the exporter reads."""

    format: Literal["kefu-helpcenter/1"] = "kefu-helpcenter/1"
    categories: list[CategoryIn] = []
    articles: list[ArticleIn] = []
    synonyms: list[SynonymIn] = []
    contact: ContactIn = Field(default_factory=ContactIn)
