"""Hypothesis properties of the working-time arithmetic, over random valid weekly hours too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.workcalendar.domain import (
    WEEKDAY_KEYS,
    CalendarRangeError,
    Limit,
    LimitKind,
    WeeklyHours,
    WorkCalendar,
    parse_weekly_hours,
)

from .conftest import DAYS_OFF_2026, MAKEUP_2026, VN

FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)
US = timedelta(microseconds=1)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    mapping: dict[str, list[list[str]]] = {}
    for key in WEEKDAY_KEYS:
        count = draw(st.sampled_from([0, 0, 1, 2, 2]))
        points = sorted(draw(st.sets(st.integers(0, 1440), min_size=2 * count, max_size=2 * count)))
        mapping[key] = [[_clock(points[i]) if points[i] < 1440 else "24:00", _clock(points[i + 1])
                         if points[i + 1] < 1440 else "24:00"] for i in range(0, 2 * count, 2)]
    if not any(mapping.values()):
        mapping["mon"] = [["07:00", "11:30"], ["13:30", "17:00"]]
    return parse_weekly_hours(mapping)


@lru_cache(maxsize=256)
def calendar_for(hours: WeeklyHours) -> WorkCalendar:
    return WorkCalendar(hours, DAYS_OFF_2026, MAKEUP_2026, first_day=FIRST, last_day=LAST)


starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31, 23, 59, 59),
                      timezones=st.just(VN))
amounts = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(hours=60))
limits = st.builds(Limit, st.sampled_from([LimitKind.WD, LimitKind.WH, LimitKind.D]), st.integers(0, 20)) | st.just(
    Limit(LimitKind.SAME_DAY)
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _or_none(fn: Callable[..., datetime], *args: object) -> datetime | None:
    try:
        return fn(*args)
    except CalendarRangeError:
        return None


@SETTINGS
@given(weekly_hours(), starts, starts, amounts)
def test_monotone_in_start(hours: WeeklyHours, t1: datetime, t2: datetime, x: timedelta) -> None:
    cal = calendar_for(hours)
    t1, t2 = min(t1, t2), max(t1, t2)
    r1, r2 = _or_none(cal.add_working_time, t1, x), _or_none(cal.add_working_time, t2, x)
    if r1 is not None and r2 is not None:
        assert r1 <= r2


@SETTINGS
@given(weekly_hours(), starts, starts, limits)
def test_due_monotone_in_start_for_every_kind(hours: WeeklyHours, t1: datetime, t2: datetime, limit: Limit) -> None:
    cal = calendar_for(hours)
    t1, t2 = min(t1, t2), max(t1, t2)
    r1, r2 = _or_none(cal.due, t1, limit), _or_none(cal.due, t2, limit)
    if r1 is not None and r2 is not None:
        assert t1 <= r1 <= r2


@SETTINGS
@given(weekly_hours(), starts, amounts, amounts)
def test_monotone_in_limit(hours: WeeklyHours, t: datetime, a: timedelta, b: timedelta) -> None:
    cal = calendar_for(hours)
    a, b = min(a, b), max(a, b)
    r1, r2 = _or_none(cal.add_working_time, t, a), _or_none(cal.add_working_time, t, b)
    if r1 is not None and r2 is not None:
        assert r1 <= r2


@SETTINGS
@given(weekly_hours(), starts, st.integers(0, 20), st.integers(0, 20))
def test_due_monotone_in_amount(hours: WeeklyHours, t: datetime, m: int, n: int) -> None:
    cal = calendar_for(hours)
    for kind in (LimitKind.WD, LimitKind.WH, LimitKind.D):
        r1 = _or_none(cal.due, t, Limit(kind, min(m, n)))
        r2 = _or_none(cal.due, t, Limit(kind, max(m, n)))
        if r1 is not None and r2 is not None:
            assert r1 <= r2


@SETTINGS
@given(weekly_hours(), starts, amounts, amounts)
def test_add_is_associative(hours: WeeklyHours, t: datetime, a: timedelta, b: timedelta) -> None:
    cal = calendar_for(hours)
    whole = _or_none(cal.add_working_time, t, a + b)
    if whole is not None:
        assert cal.add_working_time(cal.add_working_time(t, a), b) == whole


@SETTINGS
@given(weekly_hours(), starts, st.integers(1, 5), st.integers(1, 12))
def test_add_is_associative_for_limits(hours: WeeklyHours, t: datetime, days: int, hours_: int) -> None:
    cal = calendar_for(hours)
    whole = _or_none(cal.due, t, Limit(LimitKind.WH, days * 8 + hours_))
    if whole is not None:
        assert cal.due(cal.due(t, Limit(LimitKind.WD, days)), Limit(LimitKind.WH, hours_)) == whole


@SETTINGS
@given(weekly_hours(), starts, amounts)
def test_working_time_between_inverts_add(hours: WeeklyHours, t: datetime, x: timedelta) -> None:
    cal = calendar_for(hours)
    result = _or_none(cal.add_working_time, t, x)
    if result is not None:
        assert cal.working_time_between(t, result) == x


@SETTINGS
@given(weekly_hours(), starts, limits)
def test_result_inside_hours_or_at_an_interval_end(hours: WeeklyHours, t: datetime, limit: Limit) -> None:
    cal = calendar_for(hours)
    result = _or_none(cal.due, t, limit)
    if result is not None:
        assert result.tzinfo is VN
        at_end = cal.is_working_instant(result - US) and not cal.is_working_instant(result)
        assert cal.is_working_instant(result) or at_end


@SETTINGS
@given(weekly_hours(), starts, st.integers(0, 10))
def test_working_days_are_eight_working_hours(hours: WeeklyHours, t: datetime, n: int) -> None:
    cal = calendar_for(hours)
    expected = _or_none(cal.add_working_time, t, timedelta(hours=8 * n))
    if expected is not None:
        assert cal.due(t, Limit(LimitKind.WD, n)) == expected
        assert cal.due_epoch(int(t.timestamp()), Limit(LimitKind.WD, n)) == int(
            cal.due(t.replace(microsecond=0), Limit(LimitKind.WD, n)).timestamp()
        )
