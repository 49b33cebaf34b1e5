"""Working-time arithmetic over a precomputed range of working intervals. Pure: stdlib only.

Every working interval of the range is precomputed once as integer epoch microseconds, with the
working time accumulated before it, so that

* the working position of an instant (working time since the start of the range) is one bisect on the
  interval starts plus arithmetic, and
* the instant at which a working position is reached is one bisect on the cumulative ends plus
  arithmetic (``bisect_left`` lands on an interval *end* when the limit completes exactly there).

Semantics, for every kind of limit: counting starts at the **next opening at or after the start**
(an instant inside office hours is its own next opening; office hours are half-open, so 11:30 and
17:00 are not inside them). The due instant of a working-time limit is the earliest instant at which
the accumulated working time equals the limit: a limit that completes exactly at 11:30 is due at
11:30, not at 13:30. A calendar-day limit ("15d") also starts from the next opening, lands on the same
local clock time N calendar days later and, if that instant is outside office hours, moves to the next
opening. "sameday" moves the start to the next opening; if that is before 15:00 local time the due
instant is the close of that working day, otherwise the close of the next working day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from .hours import DEFAULT_WEEKLY_HOURS, Interval, WeeklyHours, parse_weekly_hours
from .limits import Limit, LimitKind

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
SAME_DAY_CUTOFF = time(15, 0)
DEFAULT_FIRST_DAY = date(2020, 1, 1)
DEFAULT_LAST_DAY = date(2035, 12, 31)

_US = 1_000_000
_DAY_US = 86_400 * _US
_HOUR_US = 3_600 * _US
_WORKING_DAY_US = 8 * _HOUR_US
_ONE_US = timedelta(microseconds=1)
_UTC = UTC
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_WD = LimitKind.WORKING_DAYS
_WH = LimitKind.WORKING_HOURS
_D = LimitKind.CALENDAR_DAYS


class CalendarRangeError(ValueError):
    """An instant, or a due instant, lies outside the precomputed range of the calendar."""


def _to_us(t: datetime) -> int:
    """Aware datetime → integer epoch microseconds (exact)."""
    if t.tzinfo is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {t.isoformat()}")
    ts = t.timestamp()
    seconds = int(ts)
    if seconds > ts:  # floor for instants before 1970
        seconds -= 1
    return seconds * _US + t.microsecond


class WorkCalendar:
    """Office hours + national days off + make-up working days over [first_day, last_day], in one timezone.

    * `weekly_hours`: a `WeeklyHours` (or its JSON mapping form).
    * `holidays`: dates with no office hours (public holidays, compensatory and announced extra days off).
    * `working_days`: make-up working days, worked with their weekday's own schedule if it has one, else
      with the Monday schedule. A date in both sets is a day off.
    * `tz`: a tzinfo or an IANA name; default Asia/Ho_Chi_Minh. Inputs must be aware datetimes (any zone);
      results are in this zone.
    Instants before `first_day` 00:00 or from `last_day` + 1 00:00 on, and due instants that would fall
    after the last working interval, raise `CalendarRangeError`.
    """

    __slots__ = (
        "_close",
        "_cum",
        "_cum_end",
        "_cutoff",
        "_ends",
        "_fixed_offset_us",
        "_hi",
        "_lo",
        "_n",
        "_next_close",
        "_starts",
        "_wall_epoch",
        "first_day",
        "holidays",
        "last_day",
        "tz",
        "weekly_hours",
        "working_days",
    )

    def __init__(
        self,
        weekly_hours: WeeklyHours | Mapping[str, Any] = DEFAULT_WEEKLY_HOURS,
        holidays: Iterable[date] = frozenset(),
        working_days: Iterable[date] = frozenset(),
        tz: tzinfo | str = DEFAULT_TIMEZONE,
        first_day: date = DEFAULT_FIRST_DAY,
        last_day: date = DEFAULT_LAST_DAY,
    ) -> None:
        if last_day < first_day:
            raise ValueError(f"last_day {last_day} is before first_day {first_day}")
        self.weekly_hours = parse_weekly_hours(weekly_hours)
        self.holidays = frozenset(holidays)
        self.working_days = frozenset(working_days)
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.first_day = first_day
        self.last_day = last_day
        self._build()

    # ---- construction -------------------------------------------------------------------------------

    def _local_us(self, day: date, minutes: int) -> int:
        moment = datetime.combine(day, time(0), self.tz) + timedelta(minutes=minutes)
        # Wall-clock arithmetic above; re-attach the zone so a DST day resolves its own offset.
        return _to_us(moment.replace(tzinfo=None).replace(tzinfo=self.tz))

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """Office hours of `day` as minutes after local midnight (empty on days off)."""
        if day in self.holidays:
            return ()
        own = self.weekly_hours.for_weekday(day.weekday())
        if day in self.working_days and not own:
            return self.weekly_hours.for_weekday(0)
        return own

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def _build(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        cum_end: list[int] = []
        close: list[int] = []
        cutoff: list[int] = []
        day_of: list[int] = []  # index of the working day of each interval
        day_close: list[int] = []
        total = 0
        offsets: set[timedelta | None] = set()
        cutoff_minutes = SAME_DAY_CUTOFF.hour * 60 + SAME_DAY_CUTOFF.minute
        day = self.first_day
        one_day = timedelta(days=1)
        while day <= self.last_day:
            offsets.add(datetime.combine(day, time(0), self.tz).utcoffset())
            intervals = self.intervals_on(day)
            first_index = len(starts)
            for a, b in intervals:
                start_us = self._local_us(day, a)
                end_us = self._local_us(day, b)
                if starts and start_us < ends[-1]:  # only on DST transitions: never overlap
                    start_us = ends[-1]
                if end_us <= start_us:
                    continue
                starts.append(start_us)
                ends.append(end_us)
                cum.append(total)
                total += end_us - start_us
                cum_end.append(total)
            if len(starts) > first_index:
                day_cutoff = self._local_us(day, cutoff_minutes)
                for _ in range(first_index, len(starts)):
                    cutoff.append(day_cutoff)
                    day_of.append(len(day_close))
                day_close.append(ends[-1])
            day += one_day
        offsets.add(datetime.combine(day, time(0), self.tz).utcoffset())
        for i in range(len(starts)):
            close.append(day_close[day_of[i]])
        self._starts = starts
        self._ends = ends
        self._cum = cum
        self._cum_end = cum_end
        self._cutoff = cutoff
        self._close = close
        # Close of the next working day after the interval's day; -1 past the range.
        self._next_close = [day_close[d + 1] if d + 1 < len(day_close) else -1 for d in day_of]
        self._n = len(starts)
        self._lo = self._local_us(self.first_day, 0)
        self._hi = self._local_us(self.last_day + one_day, 0)
        only = next(iter(offsets)) if len(offsets) == 1 else None
        self._fixed_offset_us = None if only is None else only // _ONE_US
        self._wall_epoch = datetime(1970, 1, 1, tzinfo=self.tz)  # only used with the fixed offset

    # ---- conversions ---------------------------------------------------------------------------------

    def _from_us(self, value: int) -> datetime:
        seconds, micro = divmod(value, _US)
        result = datetime.fromtimestamp(seconds, self.tz)
        return result.replace(microsecond=micro) if micro else result

    def _check(self, t_us: int) -> None:
        if not self._lo <= t_us < self._hi:
            raise CalendarRangeError(
                f"{self._from_us(t_us).isoformat()} is outside the working calendar "
                f"({self.first_day.isoformat()} to {self.last_day.isoformat()})"
            )

    def _beyond(self) -> CalendarRangeError:
        return CalendarRangeError(
            f"the result falls after the last working interval of the calendar (which ends {self.last_day.isoformat()})"
        )

    # ---- core, in epoch microseconds -----------------------------------------------------------------

    def _position_us(self, t: int) -> int:
        """Working time from the start of the range up to `t`."""
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        elapsed = t - self._starts[i]
        span = self._ends[i] - self._starts[i]
        return self._cum[i] + (elapsed if elapsed < span else span)

    def _instant_us(self, target: int) -> int:
        """Earliest instant at which the working position reaches `target` (> 0)."""
        j = bisect_left(self._cum_end, target)
        if j == self._n:
            raise self._beyond()
        return self._starts[j] + target - self._cum[j]

    def _next_opening_us(self, t: int) -> int:
        self._check(t)
        i = bisect_right(self._starts, t) - 1
        if i >= 0 and t < self._ends[i]:
            return t
        if i + 1 >= self._n:
            raise self._beyond()
        return self._starts[i + 1]

    def _add_us(self, t: int, amount: int) -> int:
        if amount < 0:
            raise ValueError("working time to add must not be negative")
        if not self._lo <= t < self._hi:
            self._check(t)
        if amount == 0:
            return self._next_opening_us(t)
        starts = self._starts
        i = bisect_right(starts, t) - 1
        if i < 0:
            target = amount
        else:
            elapsed = t - starts[i]
            span = self._ends[i] - starts[i]
            target = self._cum[i] + (elapsed if elapsed < span else span) + amount
        j = bisect_left(self._cum_end, target)
        if j == self._n:
            raise self._beyond()
        return starts[j] + target - self._cum[j]

    def _calendar_days_us(self, t: int, days: int) -> int:
        opening = self._next_opening_us(t)
        if self._fixed_offset_us is not None:
            landing = opening + days * _DAY_US
        else:
            local = self._from_us(opening).replace(tzinfo=None) + timedelta(days=days)
            landing = _to_us(local.replace(tzinfo=self.tz))
        return self._next_opening_us(landing)

    def _same_day_us(self, t: int) -> int:
        opening = self._next_opening_us(t)
        i = bisect_right(self._starts, opening) - 1
        if opening < self._cutoff[i]:
            return self._close[i]
        result = self._next_close[i]
        if result < 0:
            raise self._beyond()
        return result

    def due_us(self, start_us: int, limit: Limit) -> int:
        """`due` over integer epoch microseconds."""
        kind = limit.kind
        if kind is _WD:
            return self._add_us(start_us, limit.amount * _WORKING_DAY_US)
        if kind is _WH:
            return self._add_us(start_us, limit.amount * _HOUR_US)
        if kind is _D:
            return self._calendar_days_us(start_us, limit.amount)
        return self._same_day_us(start_us)

    def due_epoch(self, start: int, limit: Limit) -> int:
        """`due` over integer epoch seconds (the fast API: no datetime objects)."""
        kind = limit.kind
        if kind is _WD:
            return self._add_us(start * _US, limit.amount * _WORKING_DAY_US) // _US
        if kind is _WH:
            return self._add_us(start * _US, limit.amount * _HOUR_US) // _US
        return self.due_us(start * _US, limit) // _US

    # ---- public API over aware datetimes -------------------------------------------------------------

    def is_working_instant(self, t: datetime) -> bool:
        """Is `t` inside office hours (start included, end excluded)?"""
        t_us = _to_us(t)
        self._check(t_us)
        i = bisect_right(self._starts, t_us) - 1
        return i >= 0 and t_us < self._ends[i]

    def next_opening(self, t: datetime) -> datetime:
        """`t` itself if it is inside office hours, else the next start of office hours."""
        return self._from_us(self._next_opening_us(_to_us(t)))

    def add_working_time(self, start: datetime, amount: Limit | timedelta) -> datetime:
        """The due instant of `amount` (a working-time `timedelta`, or any `Limit`) counted from `start`.

        Adding zero gives the next opening at or after `start`.
        """
        if isinstance(amount, Limit):
            return self.due(start, amount)
        return self._from_us(self._add_us(_to_us(start), amount // _ONE_US))

    def due(self, start: datetime, limit: Limit) -> datetime:
        """The due instant of `limit` for something received at `start` (see the module docstring)."""
        # Hot path (hundreds of thousands of calls per second): conversions and wd/wh arithmetic inlined.
        tzi = start.tzinfo
        if tzi is self.tz and self._fixed_offset_us is not None:
            # Same tzinfo object: subtraction is wall-clock, exact for a zone with one offset over the range.
            x = start - self._wall_epoch
            start_us = (x.days * 86_400 + x.seconds) * _US + x.microseconds - self._fixed_offset_us
        elif tzi is _UTC:
            x = start - _UTC_EPOCH
            start_us = (x.days * 86_400 + x.seconds) * _US + x.microseconds
        else:
            start_us = _to_us(start)
        kind = limit.kind
        if kind is _WD or kind is _WH:
            amount = limit.amount * (_WORKING_DAY_US if kind is _WD else _HOUR_US)
            if amount == 0 or not self._lo <= start_us < self._hi:
                result = self._add_us(start_us, amount)
            else:
                starts = self._starts
                i = bisect_right(starts, start_us) - 1
                if i < 0:
                    target = amount
                else:
                    elapsed = start_us - starts[i]
                    span = self._ends[i] - starts[i]
                    target = self._cum[i] + (elapsed if elapsed < span else span) + amount
                j = bisect_left(self._cum_end, target)
                if j == self._n:
                    raise self._beyond()
                result = starts[j] + target - self._cum[j]
        elif kind is _D:
            result = self._calendar_days_us(start_us, limit.amount)
        else:
            result = self._same_day_us(start_us)
        seconds, micro = divmod(result, _US)
        moment = datetime.fromtimestamp(seconds, self.tz)
        return moment.replace(microsecond=micro) if micro else moment

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b` (negative if `b` is before `a`)."""
        a_us = _to_us(a)
        b_us = _to_us(b)
        self._check(a_us)
        self._check(b_us)
        return timedelta(microseconds=self._position_us(b_us) - self._position_us(a_us))

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({self.first_day.isoformat()}..{self.last_day.isoformat()}, tz={self.tz}, "
            f"{self._n} working intervals, {len(self.holidays)} holidays, {len(self.working_days)} make-up days)"
        )
