"""Weekly office hours: per weekday, up to two [start, end) intervals of local clock time. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 2
_CLOCK_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")

# One interval as minutes after local midnight: (start, end), start < end <= 1440.
Interval = tuple[int, int]


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Office hours of a week. `days[0]` is Monday; each day is a sorted tuple of disjoint intervals in minutes."""

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != len(WEEKDAY_KEYS):
            raise ValueError("weekly hours need exactly 7 days (Monday first)")

    def for_weekday(self, weekday: int) -> tuple[Interval, ...]:
        """The intervals of `weekday` (0 = Monday, as `date.weekday()`)."""
        return self.days[weekday]

    def to_mapping(self) -> dict[str, list[list[str]]]:
        """The JSON form accepted by `parse_weekly_hours` (closed days are left out)."""
        return {
            key: [[_format_minutes(a), _format_minutes(b)] for a, b in day]
            for key, day in zip(WEEKDAY_KEYS, self.days, strict=True)
            if day
        }


def _parse_clock(value: Any, where: str, *, allow_midnight_end: bool) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{where}: a time must be a string 'HH:MM', got {value!r}")
    if allow_midnight_end and value == "24:00":
        return 24 * 60
    match = _CLOCK_RE.match(value)
    if match is None:
        raise ValueError(f"{where}: {value!r} is not a time in the form 'HH:MM' (00:00-23:59)")
    return int(match.group(1)) * 60 + int(match.group(2))


def _parse_day(key: str, value: Any) -> tuple[Interval, ...]:
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise ValueError(f"{key}: expected a list of [start, end] intervals, got {value!r}")
    if len(value) > MAX_INTERVALS_PER_DAY:
        raise ValueError(f"{key}: at most {MAX_INTERVALS_PER_DAY} intervals per day, got {len(value)}")
    intervals: list[Interval] = []
    for position, pair in enumerate(value, start=1):
        where = f"{key} interval {position}"
        if isinstance(pair, str | bytes) or not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"{where}: expected [start, end], got {pair!r}")
        start = _parse_clock(pair[0], where, allow_midnight_end=False)
        end = _parse_clock(pair[1], where, allow_midnight_end=True)
        if end <= start:
            raise ValueError(f"{where}: end {pair[1]} must be after start {pair[0]}")
        if intervals:
            previous_end = intervals[-1][1]
            if start < previous_end:
                raise ValueError(
                    f"{where}: starts at {pair[0]}, before the previous interval ends at "
                    f"{_format_minutes(previous_end)} (intervals must be sorted and must not overlap)"
                )
        intervals.append((start, end))
    return tuple(intervals)


def parse_weekly_hours(value: Any) -> WeeklyHours:
    """Validate office hours like {"mon": [["07:00", "11:30"], ["13:30", "17:00"]], …}.

    Keys are mon..sun (a missing key or an empty list is a closed day); each day holds up to two
    [start, end] "HH:MM" intervals (end may be "24:00"), sorted, non-overlapping, end after start; at
    least one day must be open. Raises ValueError with the exact reason otherwise.
    """
    if isinstance(value, WeeklyHours):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"office hours must be a mapping of weekday to intervals, got {type(value).__name__}")
    unknown = sorted(str(key) for key in value if key not in WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekday key(s) {', '.join(unknown)}; use {', '.join(WEEKDAY_KEYS)}")
    days = tuple(_parse_day(key, value.get(key)) for key in WEEKDAY_KEYS)
    if not any(days):
        raise ValueError("office hours must open on at least one weekday")
    return WeeklyHours(days)


_STANDARD_DAY = [["07:00", "11:30"], ["13:30", "17:00"]]
DEFAULT_WEEKLY_HOURS: WeeklyHours = parse_weekly_hours(dict.fromkeys(WEEKDAY_KEYS[:5], _STANDARD_DAY))
