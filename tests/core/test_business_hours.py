"""Business-hours arithmetic (pure, no database) and its loader (database).

Chinese label tests need compiled catalogs: run ``manage.py compile_catalogs`` first.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import override

from kefu.core.business_hours import (
    HolidayName,
    Schedule,
    schedule_for,
    status_at,
    upcoming_special_dates,
    utc_offset_label,
    weekly_summary,
)
from kefu.core.models import BusinessCalendar, SpecialDate, WeeklyHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")

# 2026-06-01 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 6, 1) + timedelta(days=n) for n in range(7))
OFFICE = ((time(9), time(12)), (time(13), time(18)))


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def office(**kwargs: object) -> Schedule:
    """Mon–Fri 09:00–12:00 and 13:00–18:00 in Shanghai."""
    return Schedule(tz=SHANGHAI, weekly=dict.fromkeys(range(5), OFFICE), **kwargs)  # type: ignore[arg-type]


# --- several intervals, holidays, special hours -------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(MON, 8, 59), False),
        (at(MON, 9), True),  # open at the opening instant
        (at(MON, 11, 59), True),
        (at(MON, 12), False),  # closed at the closing instant (lunch)
        (at(MON, 12, 30), False),
        (at(MON, 13), True),
        (at(MON, 18), False),
        (at(SAT, 10), False),
    ],
)
def test_is_open_with_lunch_break(moment: datetime, expected: bool) -> None:
    assert office().is_open(moment) is expected


def test_is_open_accepts_any_time_zone() -> None:
    # 10:00 in Shanghai is 02:00 UTC and 03:00 in London (BST).
    assert office().is_open(datetime(2026, 6, 1, 2, tzinfo=UTC))
    assert office().is_open(datetime(2026, 6, 1, 3, tzinfo=LONDON))
    assert not office().is_open(datetime(2026, 6, 1, 4, 30, tzinfo=UTC))


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        office().is_open(datetime(2026, 6, 1, 10))


def test_next_opening_and_current_closing() -> None:
    schedule = office()
    assert schedule.next_opening(at(MON, 12, 30)) == at(MON, 13)
    assert schedule.next_opening(at(MON, 10)) == at(MON, 10)  # open now: now
    assert schedule.next_opening(at(FRI, 19)) == at(MON + timedelta(days=7), 9)
    assert schedule.current_closing(at(MON, 10)) == at(MON, 12)
    assert schedule.current_closing(at(MON, 14)) == at(MON, 18)
    assert schedule.current_closing(at(MON, 12, 30)) is None


def test_results_are_utc() -> None:
    opening = office().next_opening(at(MON, 8))
    assert opening is not None
    assert opening.tzinfo is UTC
    assert opening == datetime(2026, 6, 1, 1, tzinfo=UTC)
    status = status_at(office(), at(MON, 8), "en")
    assert status.opens_at is not None
    assert status.opens_at.tzinfo == SHANGHAI  # for display


def test_holiday_closes_a_weekday_and_special_hours_open_a_weekend() -> None:
    schedule = office(special={TUE: (), SAT: ((time(10), time(16)),)})
    assert not schedule.is_open(at(TUE, 10))
    assert schedule.next_opening(at(MON, 19)) == at(WED, 9)
    assert schedule.is_open(at(SAT, 10))
    assert schedule.current_closing(at(SAT, 10)) == at(SAT, 16)
    assert not schedule.is_open(at(SAT, 9))


def test_several_special_intervals_replace_the_weekly_hours() -> None:
    schedule = office(special={WED: ((time(14), time(15)), (time(8), time(9)))})
    assert list(schedule.open_intervals(at(WED, 0), at(THU, 0))) == [
        (at(WED, 8), at(WED, 9)),
        (at(WED, 14), at(WED, 15)),
    ]
    # Clipped to the window asked for.
    assert list(schedule.open_intervals(at(WED, 8, 30), at(WED, 14, 30))) == [
        (at(WED, 8, 30), at(WED, 9)),
        (at(WED, 14), at(WED, 14, 30)),
    ]


def test_always_open_with_a_holiday() -> None:
    schedule = Schedule(tz=SHANGHAI, always_open=True, special={WED: ()})
    assert schedule.is_open(at(MON, 3))
    assert schedule.current_closing(at(MON, 3)) == at(WED, 0)
    assert not schedule.is_open(at(WED, 12))
    assert schedule.next_opening(at(WED, 12)) == at(THU, 0)
    assert schedule.business_seconds_between(at(TUE, 12), at(THU, 12)) == 24 * 3600


def test_always_open_without_holidays_never_closes() -> None:
    schedule = Schedule(tz=SHANGHAI, always_open=True)
    assert schedule.current_closing(at(MON, 3)) is None
    assert schedule.add_business_seconds(at(MON, 3), 3 * 24 * 3600) == at(THU, 3)


def test_next_opening_across_a_long_holiday() -> None:
    spring_festival = {date(2027, 2, 6) + timedelta(days=n): () for n in range(9)}
    schedule = Schedule(
        tz=SHANGHAI, weekly=dict.fromkeys(range(7), ((time(9), time(21)),)), special=spring_festival
    )
    assert schedule.next_opening(at(date(2027, 2, 5), 22)) == at(date(2027, 2, 15), 9)


def test_a_calendar_that_never_opens() -> None:
    schedule = Schedule(tz=SHANGHAI)
    assert schedule.next_opening(at(MON, 9)) is None
    assert not schedule.is_open(at(MON, 9))
    with pytest.raises(ValueError, match="does not open"):
        schedule.add_business_seconds(at(MON, 9), 60)


def test_opening_more_than_a_year_away_counts_as_never() -> None:
    far = MON + timedelta(days=400)
    schedule = Schedule(tz=SHANGHAI, special={far: ((time(9), time(10)),)})
    assert schedule.next_opening(at(MON, 9)) is None
    assert schedule.next_opening(at(far, 8)) == at(far, 9)


# --- midnight ----------------------------------------------------------------------------


def test_intervals_touching_midnight_merge() -> None:
    schedule = Schedule(tz=SHANGHAI, weekly={0: ((time(18), time(0)),), 1: ((time(0), time(2)),)})
    assert schedule.is_open(at(MON, 23, 59))
    assert schedule.is_open(at(TUE, 0))
    assert schedule.current_closing(at(MON, 20)) == at(TUE, 2)
    assert list(schedule.open_intervals(at(MON, 0), at(WED, 0))) == [(at(MON, 18), at(TUE, 2))]
    assert schedule.business_seconds_between(at(MON, 0), at(WED, 0)) == 8 * 3600


def test_closing_at_midnight_without_a_next_day() -> None:
    schedule = Schedule(tz=SHANGHAI, weekly={0: ((time(18), time(0)),)})
    assert schedule.current_closing(at(MON, 20)) == at(TUE, 0)
    assert not schedule.is_open(at(TUE, 0))
    with override("en"):
        assert status_at(schedule, at(MON, 20)).detail == "until 24:00 (UTC+8)"


def test_overlapping_rows_are_merged() -> None:
    schedule = Schedule(tz=SHANGHAI, weekly={0: ((time(9), time(12)), (time(11), time(14)))})
    assert schedule.weekly[0] == ((time(9), time(14)),)
    assert schedule.current_closing(at(MON, 10)) == at(MON, 14)


def test_invalid_interval_is_rejected() -> None:
    with pytest.raises(ValueError, match="closes before it opens"):
        Schedule(tz=SHANGHAI, weekly={0: ((time(12), time(9)),)})
    with pytest.raises(ValueError, match="weekdays"):
        Schedule(tz=SHANGHAI, weekly={7: OFFICE})


# --- daylight saving -----------------------------------------------------------------------


def test_london_spring_forward_opening_in_the_gap() -> None:
    # 2026-03-29: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist.
    day = date(2026, 3, 29)
    schedule = Schedule(tz=LONDON, special={day: ((time(1, 30), time(3)),)})
    (start, end), *rest = schedule.open_intervals(at(day, 0, tz=LONDON), at(day, 12, tz=LONDON))
    assert not rest
    assert start == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST, first instant after
    assert end == datetime(2026, 3, 29, 2, tzinfo=UTC)
    assert schedule.next_opening(datetime(2026, 3, 29, 0, tzinfo=UTC)) == start


def test_new_york_spring_forward() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    day = date(2026, 3, 8)
    schedule = Schedule(
        tz=NEW_YORK,
        special={
            day: ((time(2, 30), time(5)),),
            day + timedelta(days=1): ((time(2), time(2, 45)),),
        },
        weekly={6: ((time(2), time(2, 45)),)},
    )
    assert schedule.next_opening(datetime(2026, 3, 8, 0, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, tzinfo=UTC
    )
    assert schedule.business_seconds_between(
        datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
    ) == (2 * 3600)
    # A Sunday interval entirely inside the gap the next year has no real time either.
    gap_day = date(2027, 3, 14)
    assert (
        schedule.business_seconds_between(at(gap_day, 0, tz=NEW_YORK), at(gap_day, 12, tz=NEW_YORK))
        == 0
    )


@pytest.mark.parametrize(
    ("tz", "day"), [(LONDON, date(2026, 10, 25)), (NEW_YORK, date(2026, 11, 1))]
)
def test_fall_back_night_interval_lasts_three_real_hours(tz: ZoneInfo, day: date) -> None:
    schedule = Schedule(tz=tz, special={day: ((time(1), time(3)),)})
    intervals = list(schedule.open_intervals(at(day, 0, tz=tz), at(day, 12, tz=tz)))
    assert len(intervals) == 1
    start, end = intervals[0]
    assert end - start == timedelta(hours=3)
    # Both 01:30s are inside the interval.
    first_130 = datetime.combine(day, time(1, 30), tzinfo=tz)
    second_130 = first_130.replace(fold=1)
    assert schedule.is_open(first_130)
    assert schedule.is_open(second_130)
    assert schedule.business_seconds_between(start, end) == 3 * 3600


def test_weekly_hours_keep_wall_clock_across_dst() -> None:
    # Mon–Fri 09:00–17:00 London around the March change: 8 hours every day.
    schedule = Schedule(tz=LONDON, weekly=dict.fromkeys(range(5), ((time(9), time(17)),)))
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    assert schedule.next_opening(at(friday, 18, tz=LONDON)) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert schedule.business_seconds_between(
        at(friday, 0, tz=LONDON), at(monday, 23, tz=LONDON)
    ) == (16 * 3600)


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (datetime(2026, 7, 1, 12, tzinfo=LONDON), "UTC+1"),
        (datetime(2026, 1, 1, 12, tzinfo=LONDON), "UTC+0"),
        (datetime(2026, 7, 1, 12, tzinfo=SHANGHAI), "UTC+8"),
        (datetime(2026, 7, 1, 12, tzinfo=KOLKATA), "UTC+5:30"),
        (datetime(2026, 7, 1, 12, tzinfo=NEW_YORK), "UTC-4"),
        (datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("America/St_Johns")), "UTC-2:30"),
    ],
)
def test_utc_offset_label(moment: datetime, label: str) -> None:
    assert utc_offset_label(moment) == label


# --- SLA arithmetic ------------------------------------------------------------------------


def test_add_business_seconds_across_a_weekend() -> None:
    assert office().add_business_seconds(at(FRI, 17), 2 * 3600) == at(MON + timedelta(7), 10)


def test_add_business_seconds_across_a_weekend_and_a_holiday() -> None:
    next_monday = MON + timedelta(days=7)
    schedule = office(special={next_monday: ()})
    assert schedule.add_business_seconds(at(FRI, 17), 2 * 3600) == at(
        next_monday + timedelta(1), 10
    )
    # Across the lunch break as well: 17:00 Fri + 1 h, then Tue 09–12 (3 h), then 13:00 + 1 h.
    assert schedule.add_business_seconds(at(FRI, 17), 5 * 3600) == at(
        next_monday + timedelta(1), 14
    )


def test_add_business_seconds_edges() -> None:
    schedule = office()
    assert schedule.add_business_seconds(at(FRI, 17), 3600) == at(FRI, 18)  # not Monday 09:00
    assert schedule.add_business_seconds(at(SAT, 10), 0) == at(SAT, 10)
    assert schedule.add_business_seconds(at(SAT, 10), 60) == at(MON + timedelta(7), 9, 1)
    with pytest.raises(ValueError, match="negative"):
        schedule.add_business_seconds(at(MON, 9), -1)


def test_add_business_seconds_counts_real_time_across_dst() -> None:
    # Always open in London; 00:30 GMT + 2 real hours on the spring-forward night: 03:30 BST.
    schedule = Schedule(tz=LONDON, always_open=True)
    start = at(date(2026, 3, 29), 0, 30, tz=LONDON)
    assert schedule.add_business_seconds(start, 2 * 3600) == datetime(
        2026, 3, 29, 2, 30, tzinfo=UTC
    )
    assert schedule.business_seconds_between(start, at(date(2026, 3, 29), 3, 30, tz=LONDON)) == (
        2 * 3600
    )


def test_business_seconds_between_is_the_inverse_of_add() -> None:
    schedule = office(special={MON + timedelta(days=7): ()})
    start = at(WED, 11, 15)
    for hours in (1, 7, 20, 45):
        deadline = schedule.add_business_seconds(start, hours * 3600)
        assert schedule.business_seconds_between(start, deadline) == hours * 3600
        assert schedule.business_seconds_between(deadline, start) == -hours * 3600


def test_business_seconds_between_with_holiday() -> None:
    next_monday = MON + timedelta(days=7)
    schedule = office(special={next_monday: ()})
    assert schedule.business_seconds_between(at(FRI, 17), at(next_monday + timedelta(1), 10)) == (
        2 * 3600
    )


# --- presentation --------------------------------------------------------------------------


STATUS_CASES = [
    (at(MON, 10), True, "Open now", "until 12:00 (UTC+8)", "在线", "12:00 结束服务 (UTC+8)"),
    (
        at(MON, 8),
        False,
        "Closed",
        "Opens at 09:00 (UTC+8)",
        "休息中",
        "09:00 开始服务 (UTC+8)",
    ),
    (
        at(MON, 19),
        False,
        "Closed",
        "Opens tomorrow at 09:00 (UTC+8)",
        "休息中",
        "明天 09:00 开始服务 (UTC+8)",
    ),
    (
        at(SAT, 10),
        False,
        "Closed",
        "Opens Monday at 09:00 (UTC+8)",
        "休息中",
        "周一 09:00 开始服务 (UTC+8)",
    ),
]


@pytest.mark.parametrize(("moment", "is_open", "en", "en_detail", "zh", "zh_detail"), STATUS_CASES)
def test_status_labels_in_both_languages(
    moment: datetime, is_open: bool, en: str, en_detail: str, zh: str, zh_detail: str
) -> None:
    schedule = office()
    with override("en"):
        status = status_at(schedule, moment)
    assert (status.is_open, status.label, status.detail) == (is_open, en, en_detail)
    with override("zh-hans"):
        status = status_at(schedule, moment)
    assert (status.label, status.detail) == (zh, zh_detail)
    # An explicit language wins over the active one.
    assert status_at(schedule, moment, "en").detail == en_detail


def test_status_fields() -> None:
    status = status_at(office(), at(MON, 10), "en")
    assert status.closes_at == at(MON, 12)
    assert status.opens_at == at(MON, 13)  # the next opening after this period
    assert status.utc_offset == "UTC+8"
    closed = status_at(office(), at(MON, 19), "en")
    assert closed.closes_at is None
    assert closed.opens_at == at(TUE, 9)


def test_status_shows_the_channel_zone_and_offset_of_the_opening() -> None:
    # Seen from Shanghai on the Saturday before London's spring change (BST on Monday).
    schedule = Schedule(tz=LONDON, weekly=dict.fromkeys(range(5), ((time(8), time(20)),)))
    moment = datetime(2026, 3, 28, 18, tzinfo=SHANGHAI)
    assert status_at(schedule, moment, "en").detail == "Opens Monday at 08:00 (UTC+1)"
    assert status_at(schedule, moment, "en").utc_offset == "UTC+0"


def test_status_for_a_far_opening_and_for_never() -> None:
    holiday = {MON + timedelta(days=n): () for n in range(14)}
    schedule = office(special=holiday)
    assert status_at(schedule, at(MON, 10), "en").detail == "Opens on Jun 15 at 09:00 (UTC+8)"
    assert status_at(schedule, at(MON, 10), "zh-hans").detail == "6月15日 09:00 开始服务 (UTC+8)"
    never = status_at(Schedule(tz=SHANGHAI), at(MON, 10), "en")
    assert (never.is_open, never.opens_at, never.detail) == (
        False,
        None,
        "Closed until further notice",
    )
    assert status_at(Schedule(tz=SHANGHAI), at(MON, 10), "zh-hans").detail == "暂停服务"


def test_status_open_across_midnight_and_around_the_clock() -> None:
    schedule = Schedule(tz=SHANGHAI, weekly={0: ((time(18), time(0)),), 1: ((time(0), time(2)),)})
    assert status_at(schedule, at(MON, 20), "en").detail == "until tomorrow at 02:00 (UTC+8)"
    assert status_at(schedule, at(MON, 20), "zh-hans").detail == "明天 02:00 结束服务 (UTC+8)"
    always = status_at(Schedule(tz=SHANGHAI, always_open=True), at(MON, 20), "en")
    assert (always.is_open, always.closes_at, always.detail) == (True, None, "Around the clock")


def test_weekly_summary_groups_identical_days() -> None:
    schedule = office()
    rows = [(row.days, row.hours, row.is_closed) for row in weekly_summary(schedule, "en")]
    assert rows == [("Mon–Fri", "09:00–12:00, 13:00–18:00", False), ("Sat–Sun", "Closed", True)]
    zh_rows = [(row.days, row.hours) for row in weekly_summary(schedule, "zh-hans")]
    assert zh_rows == [("周一至周五", "09:00–12:00, 13:00–18:00"), ("周六至周日", "休息")]


def test_weekly_summary_single_days_full_days_and_every_day() -> None:
    schedule = Schedule(
        tz=SHANGHAI,
        weekly={
            0: ((time(0), time(0)),),
            1: ((time(0), time(0)),),
            2: ((time(9), time(17)),),
            5: ((time(10), time(0)),),
        },
    )
    assert [(r.days, r.hours) for r in weekly_summary(schedule, "en")] == [
        ("Mon–Tue", "24 hours"),
        ("Wed", "09:00–17:00"),
        ("Thu–Fri", "Closed"),
        ("Sat", "10:00–24:00"),
        ("Sun", "Closed"),
    ]
    assert [(r.days, r.hours) for r in weekly_summary(schedule, "zh-hans")][:2] == [
        ("周一至周二", "全天 24 小时"),
        ("周三", "09:00–17:00"),
    ]
    every_day = Schedule(tz=SHANGHAI, weekly=dict.fromkeys(range(7), ((time(9), time(21)),)))
    assert [(r.days, r.hours) for r in weekly_summary(every_day, "zh-hans")] == [
        ("每天", "09:00–21:00")
    ]
    always = Schedule(tz=SHANGHAI, always_open=True)
    assert [(r.days, r.hours) for r in weekly_summary(always, "en")] == [("Every day", "24 hours")]


def test_upcoming_special_dates() -> None:
    national = HolidayName("国庆节", "National Day")
    days = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3), date(2026, 12, 25)]
    schedule = office(
        special={days[0]: (), days[1]: (), days[2]: ((time(10), time(16)),), days[3]: ()},
        special_names={days[0]: national, days[1]: national, days[2]: national},
    )
    moment = at(date(2026, 9, 20), 10)
    rows = upcoming_special_dates(schedule, moment, language="en")
    assert [(r.first, r.last, r.dates, r.name, r.hours) for r in rows] == [
        (days[0], days[1], "Oct 1–Oct 2", "National Day", "Closed"),
        (days[2], days[2], "Sat, Oct 3", "National Day", "10:00–16:00"),
    ]  # December 25 is beyond 60 days
    rows = upcoming_special_dates(schedule, moment, language="zh-hans")
    assert [(r.dates, r.name, r.hours) for r in rows] == [
        ("10月1日至10月2日", "国庆节", "休息"),
        ("10月3日周六", "国庆节", "10:00–16:00"),
    ]
    assert upcoming_special_dates(schedule, at(date(2026, 10, 2), 10), days=1, language="en")[
        0
    ].first == date(2026, 10, 2)
    assert len(upcoming_special_dates(schedule, moment, days=100, language="en")) == 3


def test_holiday_name_falls_back_to_the_other_language() -> None:
    assert HolidayName("", "Christmas").get("zh-hans") == "Christmas"
    assert HolidayName("元旦", "").get("en") == "元旦"


def test_schedule_is_picklable_and_immutable() -> None:
    schedule = office(special={TUE: ()}, special_names={TUE: HolidayName("假日", "Holiday")})
    assert pickle.loads(pickle.dumps(schedule)) == schedule  # noqa: S301
    with pytest.raises(AttributeError):
        schedule.always_open = True  # type: ignore[misc]


# --- loading from the database -------------------------------------------------------------


@pytest.fixture
def calendar(db: None) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name="Hotline", time_zone="Asia/Shanghai")
    for weekday in range(5):
        for opens, closes in OFFICE:
            WeeklyHours.objects.create(
                calendar=calendar, weekday=weekday, opens=opens, closes=closes
            )
    SpecialDate.objects.create(calendar=calendar, date=TUE, name_zh_hans="假日", name_en="Holiday")
    SpecialDate.objects.create(
        calendar=calendar, date=SAT, name_en="Open day", opens=time(10), closes=time(12)
    )
    SpecialDate.objects.create(
        calendar=calendar, date=SAT, name_en="Open day", opens=time(14), closes=time(0)
    )
    return calendar


def test_schedule_for_reads_weekly_hours_and_special_dates(
    calendar: BusinessCalendar, django_assert_num_queries: object
) -> None:
    schedule = schedule_for(calendar)
    assert schedule.tz == SHANGHAI
    assert schedule.weekly[0] == OFFICE
    assert 5 not in schedule.weekly
    assert schedule.special == {TUE: (), SAT: ((time(10), time(12)), (time(14), time(0)))}
    assert schedule.special_names[SAT] == HolidayName("", "Open day")
    assert not schedule.is_open(at(TUE, 10))
    assert schedule.current_closing(at(SAT, 15)) == at(SUN, 0)


def test_schedule_for_uses_prefetched_rows(
    calendar: BusinessCalendar, django_assert_num_queries: object
) -> None:
    loaded = BusinessCalendar.objects.prefetch_related("weekly_hours", "special_dates").get(
        pk=calendar.pk
    )
    with django_assert_num_queries(0):  # type: ignore[operator]
        schedule = schedule_for(loaded)
    assert schedule == schedule_for(calendar)
