"""Vietnamese national days off from the `holidays` package, as plain rows. No database access here.

Labour Code 2019 art. 112: New Year, Tết (5 days, shifted off weekends), Hùng Kings' day (10/3 lunar),
30/4, 1/5, 2/9 + one adjacent day; compensatory days when a holiday falls on a weekend. The package
also lists the government's announced swaps (a weekday off in exchange for a Saturday worked), e.g.
2 May 2025 ↔ 26 April 2025 and 31 August 2026 ↔ 22 August 2026: the weekday off becomes an
`extra_day_off`, the Saturday a `makeup_working_day`. Everything else is a `holiday`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import holidays as holidays_package

HOLIDAY = "holiday"
EXTRA_DAY_OFF = "extra_day_off"
MAKEUP_WORKING_DAY = "makeup_working_day"


@dataclass(frozen=True, slots=True)
class NationalDay:
    date: date
    name: str
    kind: str


def _swaps(calendar: Any, years: range) -> list[tuple[date, date]]:
    """(weekday off, Saturday worked) pairs the package knows about for `years`."""
    pairs = []
    for year, entries in getattr(calendar, "special_public_holidays", {}).items():
        normalized = entries if entries and isinstance(entries[0], tuple) else (entries,)
        for entry in normalized:
            if len(entry) < 4:
                continue
            month, day, from_month, from_day = entry[:4]
            from_year = entry[4] if len(entry) == 5 else year
            pairs.append((date(year, month, day), date(from_year, from_month, from_day)))
    return [(off, worked) for off, worked in pairs if off.year in years or worked.year in years]


def national_days(first_year: int, last_year: int) -> list[NationalDay]:
    """Every national day off and make-up working day of [first_year, last_year], sorted by date."""
    years = range(first_year, last_year + 1)
    calendar = holidays_package.country_holidays("VN", years=years, language="vi")
    swaps = _swaps(calendar, years)
    extra_off = {off for off, _ in swaps}
    days: dict[tuple[date, str], NationalDay] = {}
    for day, name in sorted(calendar.items()):
        kind = EXTRA_DAY_OFF if day in extra_off else HOLIDAY
        days[(day, kind)] = NationalDay(day, str(name)[:200], kind)
    for off, worked in swaps:
        if worked.year in years:
            label = f"Ngày làm việc bù cho ngày nghỉ {off.strftime('%d/%m/%Y')}"
            days[(worked, MAKEUP_WORKING_DAY)] = NationalDay(worked, label, MAKEUP_WORKING_DAY)
    return sorted(days.values(), key=lambda item: (item.date, item.kind))
