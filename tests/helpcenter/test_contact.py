"""Contact channels with their live status (kefu.helpcenter.contact.channel_statuses)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils.translation import override

from kefu.core.models import BusinessCalendar, SpecialDate, WeeklyHours
from kefu.helpcenter.contact import channel_statuses
from kefu.helpcenter.models import ChannelKind, ContactChannel

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
# Monday 2026-09-28, 10:00 in Shanghai = 03:00 in London (BST).
MONDAY_10 = datetime(2026, 9, 28, 10, tzinfo=SHANGHAI)


def make_calendar(
    name: str, tz: str, hours: dict[int, list[tuple[time, time]]]
) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name, time_zone=tz)
    for weekday, intervals in hours.items():
        for opens, closes in intervals:
            WeeklyHours.objects.create(
                calendar=calendar, weekday=weekday, opens=opens, closes=closes
            )
    return calendar


def make_channel(key: str, calendar: BusinessCalendar | None, **fields: Any) -> ContactChannel:
    defaults: dict[str, Any] = {
        "kind": ChannelKind.WEB_CHAT,
        "name_zh_hans": f"{key} 中文",
        "name_en": f"{key} English",
        "handle": f"@{key}",
        "description_zh_hans": f"{key} 说明",
        "description_en": f"{key} description",
    }
    return ContactChannel.objects.create(key=key, calendar=calendar, **{**defaults, **fields})


@pytest.fixture
def channels(db: None) -> dict[str, ContactChannel]:
    live = make_calendar("Live", "Asia/Shanghai", {d: [(time(9), time(21))] for d in range(7)})
    SpecialDate.objects.create(
        calendar=live, date=date(2026, 10, 1), name_zh_hans="国庆节", name_en="National Day"
    )
    SpecialDate.objects.create(  # in the past: not loaded, not shown
        calendar=live, date=date(2026, 5, 1), name_zh_hans="劳动节", name_en="Labour Day"
    )
    social = make_calendar("Social", "Europe/London", {d: [(time(8), time(20))] for d in range(5)})
    return {
        "email": make_channel("email", None, kind=ChannelKind.EMAIL, position=30),
        "chat": make_channel("chat", live, position=10),
        "telegram": make_channel("telegram", social, kind=ChannelKind.TELEGRAM, position=40),
        "app": make_channel("app", live, kind=ChannelKind.APP_CHAT, position=20),
        "retired": make_channel("retired", live, position=5, is_active=False),
    }


def test_active_channels_in_position_order(channels: dict[str, ContactChannel]) -> None:
    views = channel_statuses(MONDAY_10)
    assert [view.key for view in views] == ["chat", "app", "email", "telegram"]
    assert views[0].channel == channels["chat"]


def test_live_channel_status(channels: dict[str, ContactChannel]) -> None:
    with override("en"):
        chat = channel_statuses(MONDAY_10)[0]
    assert chat.is_live
    assert chat.is_open is True
    assert chat.status is not None
    assert (chat.status_label, chat.status_detail) == ("Open now", "until 21:00 (UTC+8)")
    assert chat.closes_at == datetime(2026, 9, 28, 21, tzinfo=SHANGHAI)
    assert (chat.time_zone, chat.utc_offset) == ("Asia/Shanghai", "UTC+8")
    assert (chat.name, chat.description) == ("chat English", "chat description")
    assert [(row.days, row.hours) for row in chat.weekly_hours] == [("Every day", "09:00–21:00")]
    assert [(row.dates, row.name, row.hours) for row in chat.special_dates] == [
        ("Thu, Oct 1", "National Day", "Closed")
    ]


def test_channel_in_another_time_zone(channels: dict[str, ContactChannel]) -> None:
    with override("en"):
        telegram = channel_statuses(MONDAY_10)[3]
    assert telegram.is_open is False
    assert telegram.status_detail == "Opens at 08:00 (UTC+1)"
    assert telegram.opens_at == datetime(2026, 9, 28, 8, tzinfo=LONDON)
    assert telegram.utc_offset == "UTC+1"
    assert [(row.days, row.hours) for row in telegram.weekly_hours] == [
        ("Mon–Fri", "08:00–20:00"),
        ("Sat–Sun", "Closed"),
    ]


def test_channel_without_working_hours(channels: dict[str, ContactChannel]) -> None:
    with override("zh-hans"):
        email = channel_statuses(MONDAY_10)[2]
    assert not email.is_live
    assert email.is_open is None
    assert email.status is None
    assert email.status_label == "email 说明"
    assert (email.weekly_hours, email.special_dates, email.time_zone) == ((), (), "")


def test_labels_follow_the_active_language(channels: dict[str, ContactChannel]) -> None:
    evening = datetime(2026, 9, 28, 22, tzinfo=SHANGHAI)
    with override("zh-hans"):
        chat = channel_statuses(evening)[0]
    assert (chat.name, chat.status_label, chat.status_detail) == (
        "chat 中文",
        "休息中",
        "明天 09:00 开始服务 (UTC+8)",
    )
    assert [(row.dates, row.name, row.hours) for row in chat.special_dates] == [
        ("10月1日周四", "国庆节", "休息")
    ]


def test_holiday_closes_the_channel(channels: dict[str, ContactChannel]) -> None:
    with override("en"):
        chat = channel_statuses(datetime(2026, 10, 1, 12, tzinfo=SHANGHAI))[0]
    assert chat.is_open is False
    assert chat.status_detail == "Opens tomorrow at 09:00 (UTC+8)"


def test_defaults_to_now(channels: dict[str, ContactChannel]) -> None:
    with time_machine.travel(datetime(2026, 9, 28, 22, tzinfo=SHANGHAI), tick=False):
        assert channel_statuses()[0].is_open is False
    with time_machine.travel(datetime(2026, 9, 29, 9, 30, tzinfo=SHANGHAI), tick=False):
        assert channel_statuses()[0].is_open is True


def test_fixed_number_of_queries(
    channels: dict[str, ContactChannel], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):
        channel_statuses(MONDAY_10)
    extra = make_calendar("Extra", "Asia/Hong_Kong", {0: [(time(9), time(18))]})
    for n in range(10):
        make_channel(f"extra-{n}", extra if n % 2 else None, position=100 + n)
    with django_assert_num_queries(3):
        views = channel_statuses(MONDAY_10)
    assert len(views) == 14


def test_hours_snippet_renders(channels: dict[str, ContactChannel]) -> None:
    with override("zh-hans"):
        views = channel_statuses(MONDAY_10)
        chat_html = render_to_string("helpcenter/_channel_hours.html", {"channel": views[0]})
        email_html = render_to_string("helpcenter/_channel_hours.html", {"channel": views[2]})
    assert "在线" in chat_html
    assert "21:00 结束服务 (UTC+8)" in chat_html
    assert "国庆节" in chat_html
    assert 'datetime="2026-10-01"' in chat_html
    assert "email 说明" in email_html
