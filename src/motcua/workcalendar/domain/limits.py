"""Time limits of procedures and steps: "3wd", "8wh", "15d", "sameday". Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

WORKING_DAY_HOURS = 8
_LIMIT_RE = re.compile(r"^([0-9]{1,5})(wd|wh|d)$")


class LimitKind(StrEnum):
    WORKING_DAYS = "wd"  # N × 8 working hours, whatever the day's schedule
    WORKING_HOURS = "wh"  # N working hours
    CALENDAR_DAYS = "d"  # N calendar days later at the same clock time (then the next opening)
    SAME_DAY = "sameday"  # close of the working day; close of the next one if received from 15:00
    # Short aliases (same members): LimitKind.WD is LimitKind.WORKING_DAYS.
    WD = "wd"
    WH = "wh"
    D = "d"
    SAMEDAY = "sameday"


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit: `kind` and `amount` (always 0 for `sameday`)."""

    kind: LimitKind
    amount: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, LimitKind):
            raise ValueError(f"unknown limit kind {self.kind!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"a limit amount must be a non-negative integer, got {self.amount!r}")
        if self.kind is LimitKind.SAME_DAY and self.amount != 0:
            raise ValueError("a 'sameday' limit has no amount")

    @property
    def working_seconds(self) -> int | None:
        """Working time of a wd/wh limit in seconds; None for calendar-day and same-day limits."""
        if self.kind is LimitKind.WORKING_DAYS:
            return self.amount * WORKING_DAY_HOURS * 3600
        if self.kind is LimitKind.WORKING_HOURS:
            return self.amount * 3600
        return None

    def __str__(self) -> str:
        return "sameday" if self.kind is LimitKind.SAME_DAY else f"{self.amount}{self.kind.value}"


def parse_limit(text: str) -> Limit:
    """"3wd" → 3 working days, "8wh" → 8 working hours, "15d" → 15 calendar days, "sameday".

    Raises ValueError for anything else ("3x", "-1wd", "", "1.5wd").
    """
    if not isinstance(text, str):
        raise ValueError(f"a limit must be a string like '3wd', got {text!r}")
    value = text.strip().lower()
    if value == LimitKind.SAME_DAY.value:
        return Limit(LimitKind.SAME_DAY, 0)
    match = _LIMIT_RE.match(value)
    if match is None:
        raise ValueError(
            f"unknown limit {text!r}: use Nwd (working days), Nwh (working hours), Nd (calendar days) or sameday"
        )
    return Limit(LimitKind(match.group(2)), int(match.group(1)))
