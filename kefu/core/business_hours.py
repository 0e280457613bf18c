"""Business-hours arithmetic: open now? opens when? how much working time between two instants?

The core is :class:`Schedule`, plain immutable data with no database access, so it can be
cached, pickled and tested without fixtures. :func:`schedule_for` loads one from a
:class:`~kefu.core.models.BusinessCalendar`; the ``status_at`` / ``weekly_summary`` /
``upcoming_special_dates`` helpers turn it into bilingual text for pages.

Conventions:

* Every method takes *aware* datetimes in any time zone and returns UTC datetimes.
  UTC on purpose: Python subtracts two datetimes sharing one tzinfo as wall-clock times,
  so durations between local results would be wrong across a DST change. Presentation
  helpers (``status_at``) convert to the schedule's zone for display.
* Open intervals are half-open: open at the opening instant, closed at the closing one.
* Rules are wall-clock times per *local* date, converted to real instants with zoneinfo.
  An opening or closing that falls into a spring-forward gap happens at the first
  instant that exists after it; in a fall-back overlap an opening takes the earlier of
  the two instants and a closing the later one, so a 01:00–03:00 shift on that night
  lasts three real hours.
* A closing time of 00:00 means midnight at the end of the day; a day that closes at
  midnight and a next day that opens at midnight form one continuous open period.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext

from kefu.core.i18n import current_language, normalize_language

if TYPE_CHECKING:
    from kefu.core.models import BusinessCalendar

Interval = tuple[time, time]
"""(opens, closes) in wall-clock time; closes == 00:00 means the end of the day."""

Span = tuple[datetime, datetime]
"""A real open period (start, end), both aware."""

MIDNIGHT = time(0)
FULL_DAY: Interval = (MIDNIGHT, MIDNIGHT)

# A calendar closed this many days in a row is treated as never opening again: the
# answer "no opening in the next year" is what pages and SLA clocks need, and it keeps
# every search bounded.
HORIZON_DAYS = 366
# Hard stop for add_business_seconds on calendars that keep opening (about 20 years).
MAX_SCAN_DAYS = 366 * 20


class HolidayName(NamedTuple):
    zh_hans: str = ""
    en: str = ""

    def get(self, language: str | None = None) -> str:
        lang = normalize_language(language) if language else current_language()
        first, second = (self.zh_hans, self.en) if lang == "zh-hans" else (self.en, self.zh_hans)
        return first or second


def _minutes(moment: time, *, closing: bool) -> int:
    if closing and moment == MIDNIGHT:
        return 24 * 60
    return moment.hour * 60 + moment.minute


def _normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Validate, sort and merge one day's wall-clock intervals."""
    merged: list[Interval] = []
    for opens, closes in sorted(intervals, key=lambda iv: _minutes(iv[0], closing=False)):
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("business hours are wall-clock times without a time zone")
        if not (closes > opens or closes == MIDNIGHT):
            raise ValueError(f"interval {opens:%H:%M}–{closes:%H:%M} closes before it opens")
        if merged:
            last_open, last_close = merged[-1]
            if _minutes(opens, closing=False) <= _minutes(last_close, closing=True):
                if _minutes(closes, closing=True) > _minutes(last_close, closing=True):
                    merged[-1] = (last_open, closes)
                continue
        merged.append((opens, closes))
    return tuple(merged)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-hours functions need aware datetimes")


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """First real instant after a wall-clock time skipped by a spring-forward transition."""
    candidates = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    low, high = int(min(candidates).timestamp()), int(max(candidates).timestamp()) + 1
    offset_before = datetime.fromtimestamp(low, UTC).astimezone(tz).utcoffset()
    # Transitions happen on whole seconds, so a bisection on seconds finds it exactly.
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _instant(day: date, moment: time, tz: ZoneInfo, *, closing: bool) -> datetime:
    wall = datetime.combine(day, moment)
    utc = wall.replace(tzinfo=tz, fold=1 if closing else 0).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == wall:
        return utc
    return _gap_end(wall, tz)


@dataclass(frozen=True)
class Schedule:
    """One calendar's rules in one time zone; pure data (safe to cache and pickle).

    ``weekly`` maps a weekday (0 = Monday) to its intervals, ``special`` maps a date to
    the intervals that replace that date's weekly hours (an empty tuple: closed all day).
    ``always_open`` replaces the weekly hours with the whole day; special dates still
    apply. Mappings are copied and normalised (sorted, overlaps merged) on creation.
    """

    tz: ZoneInfo
    weekly: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    special: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    always_open: bool = False
    special_names: Mapping[date, HolidayName] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(day not in range(7) for day in self.weekly):
            raise ValueError("weekdays run from 0 (Monday) to 6 (Sunday)")
        object.__setattr__(
            self, "weekly", {day: _normalise(ivs) for day, ivs in self.weekly.items() if ivs}
        )
        object.__setattr__(
            self, "special", {day: _normalise(ivs) for day, ivs in self.special.items()}
        )
        object.__setattr__(self, "special_names", dict(self.special_names))

    # --- rules per local date ---------------------------------------------------------

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """Wall-clock intervals that apply on a local date."""
        if day in self.special:
            return self.special[day]
        if self.always_open:
            return (FULL_DAY,)
        return self.weekly.get(day.weekday(), ())

    def _day_spans(self, day: date) -> list[Span]:
        spans: list[Span] = []
        for opens, closes in self.intervals_on(day):
            start = _instant(day, opens, self.tz, closing=False)
            end_day = day + timedelta(days=1) if closes == MIDNIGHT else day
            end = _instant(end_day, closes, self.tz, closing=True)
            if end > start:  # an interval inside a DST gap has no real time
                spans.append((start, end))
        return spans

    def _pieces(self, first_day: date, *, until: date | None = None) -> Iterator[Span]:
        """Sorted, non-overlapping UTC spans of local dates from ``first_day``.

        Touching spans are *not* merged here (see ``_periods``), so the stream never
        stalls on a calendar that is always open. Stops before ``until`` if given, and
        after HORIZON_DAYS closed days in a row or MAX_SCAN_DAYS in total.
        """
        last_end: datetime | None = None
        closed_run = 0
        for offset in range(MAX_SCAN_DAYS):
            day = first_day + timedelta(days=offset)
            if until is not None and day >= until:
                return
            spans = self._day_spans(day)
            closed_run = 0 if spans else closed_run + 1
            if closed_run > HORIZON_DAYS:
                return
            for start, end in spans:
                if last_end is not None and start < last_end:
                    start = last_end  # DST folds can make neighbours overlap slightly
                if end <= start:
                    continue
                last_end = end
                yield start, end

    @staticmethod
    def _periods(pieces: Iterable[Span]) -> Iterator[Span]:
        """Merge touching pieces into continuous open periods (e.g. across midnight)."""
        pending: Span | None = None
        for start, end in pieces:
            if pending is not None and start <= pending[1]:
                pending = (pending[0], max(pending[1], end))
                continue
            if pending is not None:
                yield pending
            pending = (start, end)
        if pending is not None:
            yield pending

    def _local_date(self, moment: datetime) -> date:
        _require_aware(moment)
        return moment.astimezone(self.tz).date()

    # --- questions ---------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        day = self._local_date(at)
        pieces = self._pieces(day - timedelta(days=1), until=day + timedelta(days=2))
        return any(start <= at < end for start, end in pieces)

    def next_opening(self, at: datetime) -> datetime | None:
        """First instant at or after ``at`` when open (``at`` itself if open now).

        None when the calendar stays closed for HORIZON_DAYS days in a row.
        """
        day = self._local_date(at)
        for start, end in self._pieces(day - timedelta(days=1)):
            if end > at:
                return max(start, at.astimezone(UTC))
        return None

    def current_closing(self, at: datetime) -> datetime | None:
        """When the open period containing ``at`` ends.

        None when closed at ``at``, or when it stays open beyond HORIZON_DAYS days (an
        always-open calendar with no holiday ahead); check ``is_open`` to tell them apart.
        """
        day = self._local_date(at)
        horizon = day + timedelta(days=HORIZON_DAYS + 1)
        periods = self._periods(self._pieces(day - timedelta(days=1), until=horizon))
        horizon_start = _instant(horizon, MIDNIGHT, self.tz, closing=False)
        for start, end in periods:
            if start > at:
                return None
            if at < end:
                return None if end >= horizon_start else end
        return None

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[Span]:
        """Continuous open periods overlapping [start, end), clipped to it."""
        first, last = self._local_date(start), self._local_date(end)
        pieces = self._pieces(first - timedelta(days=1), until=last + timedelta(days=2))
        for period_start, period_end in self._periods(pieces):
            if period_start >= end:
                return
            if period_end <= start:
                continue
            yield max(period_start, start).astimezone(UTC), min(period_end, end).astimezone(UTC)

    def business_seconds_between(self, a: datetime, b: datetime) -> float:
        """Open time between two instants, in seconds; negative when ``b`` is before ``a``."""
        if b < a:
            return -self.business_seconds_between(b, a)
        return sum((end - start).total_seconds() for start, end in self.open_intervals(a, b))

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of open time after ``start`` (an SLA deadline).

        Zero returns ``start`` itself; a deadline that uses up an open period exactly
        lands on its closing time, not on the next opening. Raises ValueError for a
        negative amount or when the calendar never opens enough to cover it.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if seconds == 0:
            return start.astimezone(UTC)
        remaining = float(seconds)
        day = self._local_date(start)
        start = start.astimezone(UTC)  # timedelta arithmetic on local times ignores DST
        for piece_start, piece_end in self._pieces(day - timedelta(days=1)):
            begin = max(piece_start, start)
            if piece_end <= begin:
                continue
            available = (piece_end - begin).total_seconds()
            if remaining <= available:
                return (begin + timedelta(seconds=remaining)).astimezone(UTC)
            remaining -= available
        raise ValueError("the calendar does not open long enough to cover that time")


# --- loading --------------------------------------------------------------------------


def schedule_for(calendar: BusinessCalendar) -> Schedule:
    """Build the schedule of a calendar.

    Uses prefetched ``weekly_hours`` / ``special_dates`` when the caller prefetched them
    (``prefetch_related("weekly_hours", "special_dates")``: no query here), otherwise one
    query per relation. The result holds no model instances and can be cached.
    """
    weekly: dict[int, list[Interval]] = {}
    for row in calendar.weekly_hours.all():
        weekly.setdefault(row.weekday, []).append((row.opens, row.closes))
    special: dict[date, list[Interval]] = {}
    names: dict[date, HolidayName] = {}
    for item in calendar.special_dates.all():
        intervals = special.setdefault(item.date, [])
        if item.opens is not None and item.closes is not None:
            intervals.append((item.opens, item.closes))
        if item.date not in names or not any(names[item.date]):
            names[item.date] = HolidayName(item.name_zh_hans, item.name_en)
    return Schedule(
        tz=ZoneInfo(calendar.time_zone),
        weekly={day: tuple(ivs) for day, ivs in weekly.items()},
        special={day: tuple(ivs) for day, ivs in special.items()},
        always_open=calendar.always_open,
        special_names=names,
    )


# --- presentation ---------------------------------------------------------------------

_BABEL_LOCALES = {"zh-hans": "zh_Hans_CN", "en": "en"}


def _weekday_name(weekday: int) -> str:
    names = (
        pgettext("weekday", "Monday"),
        pgettext("weekday", "Tuesday"),
        pgettext("weekday", "Wednesday"),
        pgettext("weekday", "Thursday"),
        pgettext("weekday", "Friday"),
        pgettext("weekday", "Saturday"),
        pgettext("weekday", "Sunday"),
    )
    return names[weekday]


def _weekday_abbr(weekday: int) -> str:
    names = (
        pgettext("weekday abbreviation", "Mon"),
        pgettext("weekday abbreviation", "Tue"),
        pgettext("weekday abbreviation", "Wed"),
        pgettext("weekday abbreviation", "Thu"),
        pgettext("weekday abbreviation", "Fri"),
        pgettext("weekday abbreviation", "Sat"),
        pgettext("weekday abbreviation", "Sun"),
    )
    return names[weekday]


def _range_label(first: str, last: str) -> str:
    return pgettext("range", "%(first)s–%(last)s") % {"first": first, "last": last}


def _date_label(day: date, *, with_weekday: bool = False) -> str:
    # Babel's CLDR data knows month names and word order in both languages.
    locale = _BABEL_LOCALES[current_language()]
    return format_skeleton("MMMEd" if with_weekday else "MMMd", day, locale=locale)


def utc_offset_label(moment: datetime) -> str:
    """``UTC+8``, ``UTC+5:30``, ``UTC-4`` or ``UTC+0`` for an aware datetime."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("utc_offset_label needs an aware datetime")
    total_minutes = int(offset.total_seconds() // 60)
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"UTC{sign}{hours}:{minutes:02d}" if minutes else f"UTC{sign}{hours}"


def _clock(moment: time, *, closing: bool = False) -> str:
    return "24:00" if closing and moment == MIDNIGHT else f"{moment:%H:%M}"


def hours_label(intervals: tuple[Interval, ...]) -> str:
    """Hours of one day, e.g. "09:00–12:00, 13:00–18:00", "24 hours" or "Closed"."""
    if not intervals:
        return pgettext("weekly hours", "Closed")
    if intervals == (FULL_DAY,):
        return _("24 hours")
    return ", ".join(f"{_clock(o)}–{_clock(c, closing=True)}" for o, c in intervals)


def _relative(moment: datetime, today: date, *, closing: bool) -> str:
    """The day part of "Opens ... at" / "until ..." relative to the channel's today."""
    day, clock = moment.date(), f"{moment:%H:%M}"
    if closing and moment.time() == MIDNIGHT and day == today + timedelta(days=1):
        day, clock = today, "24:00"  # "until 24:00" reads better than "until tomorrow 00:00"
    values = {"time": clock, "offset": utc_offset_label(moment)}
    delta = (day - today).days
    if closing:
        if delta <= 0:
            return _("until %(time)s (%(offset)s)") % values
        if delta == 1:
            return _("until tomorrow at %(time)s (%(offset)s)") % values
        if delta < 7:
            return _("until %(weekday)s at %(time)s (%(offset)s)") % {
                **values,
                "weekday": _weekday_name(day.weekday()),
            }
        return _("until %(date)s at %(time)s (%(offset)s)") % {**values, "date": _date_label(day)}
    if delta <= 0:
        return _("Opens at %(time)s (%(offset)s)") % values
    if delta == 1:
        return _("Opens tomorrow at %(time)s (%(offset)s)") % values
    if delta < 7:
        return _("Opens %(weekday)s at %(time)s (%(offset)s)") % {
            **values,
            "weekday": _weekday_name(day.weekday()),
        }
    return _("Opens on %(date)s at %(time)s (%(offset)s)") % {**values, "date": _date_label(day)}


@dataclass(frozen=True)
class ChannelStatus:
    """Live status of a calendar at one instant, with labels in one language.

    ``opens_at`` is the next opening (after the current open period when open now);
    ``closes_at`` the end of the current open period. Both are in the calendar's zone for
    display (None when there is none within the horizon); use the Schedule methods, which
    return UTC, for arithmetic.
    """

    is_open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    label: str  # "Open now" / "Closed"
    detail: str  # "until 21:00 (UTC+8)" / "Opens tomorrow at 09:00 (UTC+8)"
    utc_offset: str  # the calendar's offset at ``at``: "UTC+8"


def _in_zone(moment: datetime | None, schedule: Schedule) -> datetime | None:
    return moment.astimezone(schedule.tz) if moment is not None else None


def status_at(schedule: Schedule, at: datetime, language: str | None = None) -> ChannelStatus:
    with override(normalize_language(language) if language else current_language()):
        local_now = at.astimezone(schedule.tz)
        today = local_now.date()
        if schedule.is_open(at):
            closes_at = _in_zone(schedule.current_closing(at), schedule)
            opens_at = _in_zone(schedule.next_opening(closes_at) if closes_at else None, schedule)
            detail = (
                _relative(closes_at, today, closing=True) if closes_at else _("Around the clock")
            )
            return ChannelStatus(
                is_open=True,
                opens_at=opens_at,
                closes_at=closes_at,
                label=_("Open now"),
                detail=detail,
                utc_offset=utc_offset_label(local_now),
            )
        opens_at = _in_zone(schedule.next_opening(at), schedule)
        detail = (
            _relative(opens_at, today, closing=False)
            if opens_at
            else _("Closed until further notice")
        )
        return ChannelStatus(
            is_open=False,
            opens_at=opens_at,
            closes_at=None,
            label=pgettext("business hours status", "Closed"),
            detail=detail,
            utc_offset=utc_offset_label(local_now),
        )


@dataclass(frozen=True)
class WeeklyRow:
    days: str  # "Mon–Fri" / "周一至周五"
    hours: str  # "09:00–12:00, 13:00–18:00" / "24 hours" / "Closed"
    is_closed: bool


def weekly_summary(schedule: Schedule, language: str | None = None) -> list[WeeklyRow]:
    """The regular week, consecutive days with identical hours grouped together."""
    with override(normalize_language(language) if language else current_language()):
        if schedule.always_open:
            return [WeeklyRow(days=_("Every day"), hours=_("24 hours"), is_closed=False)]
        rows: list[WeeklyRow] = []
        days = [(day, schedule.weekly.get(day, ())) for day in range(7)]
        for intervals, group in itertools.groupby(days, key=lambda item: item[1]):
            members = [day for day, _ivs in group]
            if len(members) == 7:
                label = _("Every day")
            elif len(members) == 1:
                label = _weekday_abbr(members[0])
            else:
                label = _range_label(_weekday_abbr(members[0]), _weekday_abbr(members[-1]))
            rows.append(WeeklyRow(label, hours_label(intervals), is_closed=not intervals))
        return rows


@dataclass(frozen=True)
class SpecialDateRow:
    first: date
    last: date  # consecutive dates with the same name and hours form one row
    dates: str  # "Oct 1" / "Feb 7–Feb 9" / "10月1日"
    name: str
    hours: str  # "Closed" or "10:00–16:00"
    is_closed: bool


def upcoming_special_dates(
    schedule: Schedule, at: datetime, *, days: int = 60, language: str | None = None
) -> list[SpecialDateRow]:
    """Holidays and special hours from the calendar's today up to ``days`` ahead."""
    with override(normalize_language(language) if language else current_language()):
        today = at.astimezone(schedule.tz).date()
        end = today + timedelta(days=days)
        upcoming = sorted(day for day in schedule.special if today <= day <= end)
        groups: list[list[date]] = []
        for day in upcoming:
            if groups and _continues_row(schedule, groups[-1][-1], day):
                groups[-1].append(day)
            else:
                groups.append([day])
        rows = []
        for group in groups:
            first, last = group[0], group[-1]
            label = (
                _date_label(first, with_weekday=True)
                if first == last
                else _range_label(_date_label(first), _date_label(last))
            )
            intervals = schedule.special[first]
            rows.append(
                SpecialDateRow(
                    first=first,
                    last=last,
                    dates=label,
                    name=schedule.special_names.get(first, HolidayName()).get(),
                    hours=hours_label(intervals),
                    is_closed=not intervals,
                )
            )
        return rows


def _continues_row(schedule: Schedule, previous: date, day: date) -> bool:
    """Whether ``day`` continues the row of ``previous`` (next date, same name and hours)."""
    names = schedule.special_names
    return (
        day == previous + timedelta(days=1)
        and schedule.special[day] == schedule.special[previous]
        and names.get(day) == names.get(previous)
    )
