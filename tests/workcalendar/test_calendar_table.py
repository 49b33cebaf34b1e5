"""Due instants, hand-computed. Default hours 07:00–11:30, 13:30–17:00 Mon–Fri; 2 March 2026 is a Monday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from motcua.workcalendar.domain import CalendarRangeError, WorkCalendar, parse_limit

from .conftest import DAYS_OFF_2026, MAKEUP_2026, VN, local

CASES = [
    # --- working hours, lunch break, evenings
    ("2026-03-02 08:00", "1wh", "2026-03-02 09:00", "inside the morning"),
    ("2026-03-02 10:30", "1wh", "2026-03-02 11:30", "completes exactly at 11:30 → 11:30, not 13:30"),
    ("2026-03-02 10:31", "1wh", "2026-03-02 13:31", "crosses lunch"),
    ("2026-03-02 09:00", "8wh", "2026-03-03 09:00", "a full working day later"),
    ("2026-03-02 12:00", "1wh", "2026-03-02 14:30", "start in lunch → counts from 13:30"),
    ("2026-03-02 11:30", "1wh", "2026-03-02 14:30", "start exactly at 11:30 → counts from 13:30"),
    ("2026-03-02 17:00", "1wh", "2026-03-03 08:00", "start exactly at 17:00 → next morning"),
    ("2026-03-02 07:00", "1wd", "2026-03-02 17:00", "start exactly at 07:00: 1wd ends at 17:00 that day"),
    ("2026-03-02 12:00", "1wd", "2026-03-03 11:30", "start in lunch: 3.5 h + 4.5 h → exactly 11:30"),
    ("2026-03-02 19:00", "1wh", "2026-03-03 08:00", "evening"),
    ("2026-03-02 05:00", "1wh", "2026-03-02 08:00", "before opening"),
    ("2026-03-02 14:00", "3wd", "2026-03-05 14:00", "three working days"),
    # --- weekends
    ("2026-03-06 16:00", "2wh", "2026-03-09 08:00", "Friday evening over the weekend"),
    ("2026-03-07 10:00", "1wd", "2026-03-09 17:00", "received on Saturday"),
    ("2026-03-08 23:59", "1wh", "2026-03-09 08:00", "received late Sunday"),
    # --- Tết 2026 (16–20 Feb off)
    ("2026-02-13 14:30", "1wd", "2026-02-23 14:30", "over Tết"),
    ("2026-02-12 10:00", "3wd", "2026-02-24 10:00", "Thu before Tết: 5 h + 8 h + 8 h + 3 h"),
    ("2026-02-17 09:00", "1wh", "2026-02-23 08:00", "received during Tết"),
    # --- the 2026 National Day swap: Saturday 22 Aug worked, 31 Aug off, 1–2 Sep off
    ("2026-08-21 16:00", "2wh", "2026-08-22 08:00", "make-up Saturday worked with the Monday schedule"),
    ("2026-08-22 16:00", "2wh", "2026-08-24 08:00", "make-up Saturday afternoon"),
    ("2026-08-28 16:00", "2wh", "2026-09-03 08:00", "weekend + 31 Aug + 1–2 Sep off"),
    # --- sameday
    ("2026-03-02 09:00", "sameday", "2026-03-02 17:00", "morning → close of the day"),
    ("2026-03-02 14:59", "sameday", "2026-03-02 17:00", "before 15:00"),
    ("2026-03-02 15:00", "sameday", "2026-03-03 17:00", "at 15:00 → close of the next working day"),
    ("2026-03-02 16:30", "sameday", "2026-03-03 17:00", "after 15:00"),
    ("2026-03-02 12:00", "sameday", "2026-03-02 17:00", "lunch → opens 13:30, before 15:00"),
    ("2026-03-02 18:00", "sameday", "2026-03-03 17:00", "evening → opens 07:00 next day"),
    ("2026-03-06 15:30", "sameday", "2026-03-09 17:00", "Friday after 15:00 → Monday close"),
    ("2026-03-07 10:00", "sameday", "2026-03-09 17:00", "Saturday → Monday close"),
    ("2026-02-13 15:10", "sameday", "2026-02-23 17:00", "Friday after 15:00 before Tết"),
    # --- calendar days (counted from the next opening)
    ("2026-03-02 10:00", "15d", "2026-03-17 10:00", "lands inside office hours"),
    ("2026-03-02 12:00", "15d", "2026-03-17 13:30", "start in lunch counts from 13:30"),
    ("2026-03-05 10:00", "2d", "2026-03-09 07:00", "lands on Saturday → next opening"),
    ("2026-03-02 18:00", "1d", "2026-03-04 07:00", "evening start counts from the next opening"),
    ("2026-02-06 10:00", "10d", "2026-02-23 07:00", "lands in Tết → next opening"),
    ("2026-03-03 11:00", "7d", "2026-03-10 11:00", "a week later"),
    ("2026-03-02 16:59", "0wh", "2026-03-02 16:59", "zero: the next opening, here the start itself"),
    ("2026-03-02 11:30", "0wd", "2026-03-02 13:30", "zero at 11:30: the next opening"),
]


@pytest.mark.parametrize(("start", "limit", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_due(vn_calendar: WorkCalendar, start: str, limit: str, expected: str, why: str) -> None:
    result = vn_calendar.due(local(start), parse_limit(limit))
    assert result == local(expected), why
    assert result.tzinfo is VN
    assert vn_calendar.add_working_time(local(start), parse_limit(limit)) == result
    # The epoch-seconds API agrees.
    assert vn_calendar.due_epoch(int(local(start).timestamp()), parse_limit(limit)) == int(result.timestamp())


def test_the_library_has_these_2026_days() -> None:
    vn = holidays.country_holidays("VN", years=2026, language="en_US")
    lunar_new_year = [day for day, name in vn.items() if name == "Lunar New Year"]
    assert lunar_new_year == [date(2026, 2, 17)]
    assert {date(2026, 2, d) for d in range(16, 21)} <= set(vn)
    assert set(vn) <= DAYS_OFF_2026 | {date(2026, 4, 26)}  # 26 Apr is a Sunday (27 Apr is its day off)
    assert date(2026, 8, 31) in vn and not MAKEUP_2026 & set(vn)


def test_add_working_time_with_timedelta(vn_calendar: WorkCalendar) -> None:
    start = local("2026-03-02 07:00")
    assert vn_calendar.add_working_time(start, timedelta(hours=4, minutes=30)) == local("2026-03-02 11:30")
    assert vn_calendar.add_working_time(start, timedelta(hours=4, minutes=31)) == local("2026-03-02 13:31")
    assert vn_calendar.add_working_time(start, timedelta(seconds=1, microseconds=5)) == start + timedelta(
        seconds=1, microseconds=5
    )
    with pytest.raises(ValueError, match="negative"):
        vn_calendar.add_working_time(start, timedelta(hours=-1))


def test_inputs_in_other_zones_results_in_calendar_zone(vn_calendar: WorkCalendar) -> None:
    utc_start = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # 10:30 local
    result = vn_calendar.due(utc_start, parse_limit("1wh"))
    assert result == local("2026-03-02 11:30")
    assert result.isoformat() == "2026-03-02T11:30:00+07:00"
    plus_nine = timezone(timedelta(hours=9))
    assert vn_calendar.due(datetime(2026, 3, 2, 12, 30, tzinfo=plus_nine), parse_limit("1wh")) == result


def test_next_opening_and_working_instants(vn_calendar: WorkCalendar) -> None:
    assert vn_calendar.next_opening(local("2026-03-02 11:30")) == local("2026-03-02 13:30")
    assert vn_calendar.next_opening(local("2026-03-02 10:00")) == local("2026-03-02 10:00")
    assert vn_calendar.next_opening(local("2026-02-14 10:00")) == local("2026-02-23 07:00")
    assert vn_calendar.is_working_instant(local("2026-03-02 07:00"))
    assert not vn_calendar.is_working_instant(local("2026-03-02 11:30"))
    assert not vn_calendar.is_working_instant(local("2026-03-02 17:00"))
    assert vn_calendar.is_working_instant(local("2026-08-22 08:00"))
    assert not vn_calendar.is_working_instant(local("2026-08-31 08:00"))


def test_working_time_between(vn_calendar: WorkCalendar) -> None:
    wtb = vn_calendar.working_time_between
    assert wtb(local("2026-03-02 07:00"), local("2026-03-03 07:00")) == timedelta(hours=8)
    assert wtb(local("2026-03-02 11:00"), local("2026-03-02 14:00")) == timedelta(hours=1)
    assert wtb(local("2026-02-13 00:00"), local("2026-02-24 00:00")) == timedelta(hours=16)
    assert wtb(local("2026-03-03 07:00"), local("2026-03-02 07:00")) == -timedelta(hours=8)


def test_errors(vn_calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        vn_calendar.due(datetime(2026, 3, 2, 8, 0), parse_limit("1wd"))
    with pytest.raises(CalendarRangeError, match="outside the working calendar"):
        vn_calendar.due(local("2024-12-31 08:00"), parse_limit("1wd"))
    with pytest.raises(CalendarRangeError, match="outside the working calendar"):
        vn_calendar.next_opening(local("2028-01-01 08:00"))
    with pytest.raises(CalendarRangeError, match="after the last working interval"):
        vn_calendar.due(local("2027-12-30 08:00"), parse_limit("5wd"))
    with pytest.raises(CalendarRangeError):
        vn_calendar.due(local("2027-12-31 16:00"), parse_limit("sameday"))
    with pytest.raises(ValueError, match="before first_day"):
        WorkCalendar(first_day=date(2027, 1, 1), last_day=date(2026, 1, 1))


def test_makeup_day_uses_its_own_schedule_when_it_has_one() -> None:
    hours = {"mon": [["07:00", "11:30"], ["13:30", "17:00"]], "sat": [["07:30", "11:30"]]}
    cal = WorkCalendar(hours, working_days={date(2026, 8, 22), date(2026, 8, 23)}, first_day=date(2026, 1, 1),
                       last_day=date(2026, 12, 31))
    assert cal.intervals_on(date(2026, 8, 22)) == ((450, 690),)  # Saturday: its own morning
    assert cal.intervals_on(date(2026, 8, 23)) == ((420, 690), (810, 1020))  # Sunday: the Monday schedule
    assert cal.due(local("2026-08-22 11:00"), parse_limit("1wh")) == local("2026-08-23 07:30")


def test_daylight_saving_zone() -> None:
    """Calendar days keep the local clock time across a DST change (Europe/Paris, 29 March 2026)."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    cal = WorkCalendar(tz=paris, first_day=date(2026, 1, 1), last_day=date(2026, 12, 31))
    start = datetime(2026, 3, 27, 10, 0, tzinfo=paris)
    assert cal.due(start, parse_limit("3d")) == datetime(2026, 3, 30, 10, 0, tzinfo=paris)
    assert cal.due(start, parse_limit("1wd")) == datetime(2026, 3, 30, 10, 0, tzinfo=paris)
