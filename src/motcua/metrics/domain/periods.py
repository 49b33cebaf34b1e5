"""Report periods and the day buckets of the rollups. Pure.

A period is a range of whole local days `first..last` (both included): the instants `[start, end)` with
`start` = `first` 00:00 and `end` = the day after `last`, 00:00, in the province's time zone.

* A *flow* (received, finished…) belongs to the period when its instant is in `[start, end)`, i.e. when
  its local day is in `first..last`.
* A *stock* (open, awaiting supplement, overdue…) is read at a boundary: the state *just before* the
  boundary instant (the state at `end⁻` is what the period ends with, the state at `start⁻` is what it
  inherits). A dossier received exactly at `start` is new in the period, not carried over; one finished
  exactly at `start` is carried over and finished in the period; one finished exactly at `end` is still
  in progress at the period end. With these two conventions every dossier of the period is counted
  exactly once: carried over + received = resolved + in progress.
* A stock interval is half-open on the left, `(x, y]` (the state holds from just after `x` until `y`
  included): it contains the boundary of day `D` (`D` 00:00) iff `local_day(x) < D <= local_day(y)`.
  So an interval adds +1 at day `local_day(x) + 1` and −1 at day `local_day(y) + 1`, and the stock at
  the boundary of day `D` is the sum of these deltas over the days `<= D`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days `first..last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    def start(self, tz: tzinfo) -> datetime:
        return midnight(self.first, tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (the day after `last`, 00:00)."""
        return midnight(self.last + ONE_DAY, tz)

    @property
    def end_day(self) -> date:
        """The day whose 00:00 boundary ends the period: stocks at the period end are read there."""
        return self.last + ONE_DAY

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.first - ONE_DAY * self.days, self.first - ONE_DAY)


def midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def local_day(instant: datetime, tz: tzinfo) -> date:
    return instant.astimezone(tz).date()


def boundary_after(instant: datetime, tz: tzinfo) -> date:
    """The first day whose 00:00 boundary comes strictly after `instant` (see the module docstring)."""
    return local_day(instant, tz) + ONE_DAY


def quarter(year: int, number: int) -> Period:
    if not 1 <= number <= 4:
        raise ValueError(f"a quarter is 1 to 4, not {number}")
    first = date(year, 3 * number - 2, 1)
    last = date(year + 1, 1, 1) - ONE_DAY if number == 4 else date(year, 3 * number + 1, 1) - ONE_DAY
    return Period(first, last)
