"""Parsing office hours and time limits."""

from __future__ import annotations

import pytest

from motcua.workcalendar.domain import DEFAULT_WEEKLY_HOURS, Limit, LimitKind, parse_limit, parse_weekly_hours

DAY = [["07:00", "11:30"], ["13:30", "17:00"]]


def test_default_weekly_hours() -> None:
    assert DEFAULT_WEEKLY_HOURS.to_mapping() == dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), DAY)
    assert DEFAULT_WEEKLY_HOURS.for_weekday(5) == ()
    assert DEFAULT_WEEKLY_HOURS.for_weekday(0) == ((420, 690), (810, 1020))


def test_parse_round_trip_and_saturday_morning() -> None:
    value = {"mon": DAY, "sat": [["07:30", "11:30"]], "sun": []}
    hours = parse_weekly_hours(value)
    assert hours.for_weekday(5) == ((450, 690),)
    assert parse_weekly_hours(hours.to_mapping()) == hours
    assert parse_weekly_hours(hours) is hours


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("07:00-17:00", "must be a mapping"),
        ({"monday": DAY}, "unknown weekday key(s) monday"),
        ({"mon": "07:00-11:30"}, "mon: expected a list"),
        ({"mon": [["07:00", "09:00"], ["09:30", "10:00"], ["13:00", "14:00"]]}, "at most 2 intervals"),
        ({"mon": [["07:00"]]}, "mon interval 1: expected [start, end]"),
        ({"mon": [["7:00", "11:30"]]}, "'7:00' is not a time"),
        ({"mon": [["07:00", "11:60"]]}, "'11:60' is not a time"),
        ({"mon": [["07:00", 1130]]}, "must be a string"),
        ({"tue": [["11:30", "07:00"]]}, "tue interval 1: end 07:00 must be after start 11:30"),
        ({"wed": [["09:00", "09:00"]]}, "end 09:00 must be after start 09:00"),
        ({"thu": [["13:30", "17:00"], ["07:00", "11:30"]]}, "must be sorted and must not overlap"),
        ({"fri": [["07:00", "12:00"], ["11:30", "17:00"]]}, "before the previous interval ends at 12:00"),
        ({}, "at least one weekday"),
        ({"sat": []}, "at least one weekday"),
    ],
)
def test_parse_weekly_hours_rejects_with_reason(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_weekly_hours(value)
    assert reason in str(info.value)


def test_midnight_end_allowed() -> None:
    assert parse_weekly_hours({"mon": [["22:00", "24:00"]]}).for_weekday(0) == ((1320, 1440),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3wd", Limit(LimitKind.WORKING_DAYS, 3)),
        ("8wh", Limit(LimitKind.WORKING_HOURS, 8)),
        ("15d", Limit(LimitKind.CALENDAR_DAYS, 15)),
        ("sameday", Limit(LimitKind.SAME_DAY)),
        (" 10WD ", Limit(LimitKind.WD, 10)),
        ("0wh", Limit(LimitKind.WH, 0)),
    ],
)
def test_parse_limit(text: str, expected: Limit) -> None:
    assert parse_limit(text) == expected
    assert str(expected) == text.strip().lower()


@pytest.mark.parametrize("text", ["3x", "-1wd", "", "wd", "1.5wd", "3 wd", "same day", "3wdx", "123456wd"])
def test_parse_limit_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="unknown limit"):
        parse_limit(text)


def test_limit_values() -> None:
    assert [k.value for k in LimitKind] == ["wd", "wh", "d", "sameday"]
    assert parse_limit("3wd").working_seconds == 3 * 8 * 3600
    assert parse_limit("15d").working_seconds is None
    with pytest.raises(ValueError):
        Limit(LimitKind.WD, -1)
    with pytest.raises(ValueError):
        Limit(LimitKind.SAME_DAY, 2)
