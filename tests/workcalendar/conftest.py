"""A pure calendar for 2025–2027 with the 2026 national days hand-copied from the holiday library."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.workcalendar.domain import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Tết 2026 (Lunar New Year 17 Feb): 16–20 Feb; 30/4, 1/5; swap 31 Aug off ↔ Saturday 22 Aug worked; 1–2 Sep.
DAYS_OFF_2026 = frozenset(
    {date(2026, 1, 1), *(date(2026, 2, d) for d in range(16, 21)), date(2026, 4, 27), date(2026, 4, 30),
     date(2026, 5, 1), date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24)}
)
MAKEUP_2026 = frozenset({date(2026, 8, 22)})


def local(text: str) -> datetime:
    """'2026-03-02 08:00' → aware datetime in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=VN)


@pytest.fixture(scope="session")
def vn_calendar() -> WorkCalendar:
    return WorkCalendar(holidays=DAYS_OFF_2026, working_days=MAKEUP_2026, first_day=date(2025, 1, 1),
                        last_day=date(2027, 12, 31))
