"""Reads: the working calendar of a unit (its office hours + the national days), cached in-process.

Building a calendar precomputes every working interval of the range (a few tens of milliseconds), so
calendars are cached per distinct weekly hours. The cache is dropped in this process as soon as a
`Holiday` row changes (services and model signals bump a version), and other processes notice a change
within `MOTCUA_CALENDAR_CACHE_SECONDS` (default 10 s) through a cheap fingerprint query.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Max

from motcua.workcalendar.domain import DEFAULT_WEEKLY_HOURS, WeeklyHours, WorkCalendar, parse_weekly_hours
from motcua.workcalendar.models import Holiday

if TYPE_CHECKING:
    from motcua.core.models import Unit

DEFAULT_HOLIDAY_YEARS = (2020, 2035)
_MAX_CACHED_CALENDARS = 64

_lock = threading.Lock()
_state: dict[str, Any] = {"version": 0, "seen_version": -1, "checked_at": 0.0, "fingerprint": None}
_calendars: dict[WeeklyHours, WorkCalendar] = {}


def invalidate_calendar_cache() -> None:
    """Forget every cached calendar of this process (called when Holiday rows change)."""
    with _lock:
        _state["version"] += 1
        _calendars.clear()


def holiday_years() -> tuple[int, int]:
    first, last = getattr(settings, "MOTCUA_HOLIDAY_YEARS", DEFAULT_HOLIDAY_YEARS)
    return int(first), int(last)


def _fingerprint() -> tuple[int, Any]:
    row = Holiday.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    return row["n"], row["changed"]


def _refresh_if_stale() -> None:
    ttl = float(getattr(settings, "MOTCUA_CALENDAR_CACHE_SECONDS", 10))
    now = time.monotonic()
    with _lock:
        fresh = _state["seen_version"] == _state["version"] and now - _state["checked_at"] < ttl
    if fresh:
        return
    fingerprint = _fingerprint()
    with _lock:
        if fingerprint != _state["fingerprint"] or _state["seen_version"] != _state["version"]:
            _calendars.clear()
        _state["fingerprint"] = fingerprint
        _state["seen_version"] = _state["version"]
        _state["checked_at"] = now


def national_days() -> tuple[frozenset[date], frozenset[date], date, date]:
    """(days off, make-up working days, first day, last day) from the Holiday table.

    On a date with administrator rows only those count (an administrator may cancel a seeded holiday by
    entering a make-up working day); among the rows that count, a day off wins over a working day.
    """
    first_year, last_year = holiday_years()
    by_date: dict[date, list[tuple[str, str]]] = {}
    for day, kind, source in Holiday.objects.values_list("date", "kind", "source"):
        by_date.setdefault(day, []).append((kind, source))
        first_year = min(first_year, day.year)
        last_year = max(last_year, day.year)
    days_off: set[date] = set()
    working: set[date] = set()
    for day, rows in by_date.items():
        admin_rows = [kind for kind, source in rows if source == Holiday.Source.ADMIN]
        kinds = admin_rows or [kind for kind, _ in rows]
        if any(kind != Holiday.Kind.MAKEUP_WORKING_DAY for kind in kinds):
            days_off.add(day)
        else:
            working.add(day)
    return frozenset(days_off), frozenset(working), date(first_year, 1, 1), date(last_year, 12, 31)


def weekly_hours_of(unit: Unit | None) -> WeeklyHours:
    if unit is None or not unit.office_hours:
        return DEFAULT_WEEKLY_HOURS
    return parse_weekly_hours(unit.office_hours)


def calendar_for_unit(unit: Unit | None) -> WorkCalendar:
    """The working calendar of `unit` (default office hours when None) with the national days off."""
    hours = weekly_hours_of(unit)
    _refresh_if_stale()
    with _lock:
        cached = _calendars.get(hours)
        version = _state["version"]
    if cached is not None:
        return cached
    days_off, working, first_day, last_day = national_days()
    calendar = WorkCalendar(
        hours, holidays=days_off, working_days=working, tz=settings.TIME_ZONE, first_day=first_day, last_day=last_day
    )
    with _lock:
        if _state["version"] == version:  # not invalidated while building
            if len(_calendars) >= _MAX_CACHED_CALENDARS:
                _calendars.clear()
            _calendars[hours] = calendar
    return calendar
