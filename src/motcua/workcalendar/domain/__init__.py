"""Working calendar rules: office hours, time limits and working-time arithmetic. Pure Python, no Django."""

from .calendar import (
    DEFAULT_FIRST_DAY,
    DEFAULT_LAST_DAY,
    DEFAULT_TIMEZONE,
    SAME_DAY_CUTOFF,
    CalendarRangeError,
    WorkCalendar,
)
from .hours import DEFAULT_WEEKLY_HOURS, WEEKDAY_KEYS, WeeklyHours, parse_weekly_hours
from .limits import Limit, LimitKind, parse_limit

__all__ = [
    "DEFAULT_FIRST_DAY",
    "DEFAULT_LAST_DAY",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY_HOURS",
    "SAME_DAY_CUTOFF",
    "WEEKDAY_KEYS",
    "CalendarRangeError",
    "Limit",
    "LimitKind",
    "WeeklyHours",
    "WorkCalendar",
    "parse_limit",
    "parse_weekly_hours",
]
