"""Due computations per second on one core over a 10-year Vietnamese working calendar (pure domain).

Run: .venv/bin/python benchmarks/calendar/bench_calendar.py [--n 200000] [--seed 20260101]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

import holidays

from motcua.workcalendar.domain import WorkCalendar, parse_limit

FIRST, LAST = date(2026, 1, 1), date(2035, 12, 31)
LIMITS = ["1wd", "2wd", "3wd", "5wd", "7wd", "10wd", "15wd", "20wd", "4wh", "8wh", "16wh", "sameday", "15d", "30d"]


def build() -> tuple[WorkCalendar, float]:
    vn = holidays.country_holidays("VN", years=range(FIRST.year, LAST.year + 1))
    special = getattr(vn, "special_public_holidays", {})
    makeup = {date(year, e[2], e[3]) for year, entries in special.items()
              for e in (entries if entries and isinstance(entries[0], tuple) else (entries,)) if len(e) == 4}
    began = time.perf_counter()
    calendar = WorkCalendar(holidays=set(vn), working_days=makeup, first_day=FIRST, last_day=LAST)
    return calendar, time.perf_counter() - began


def rate(fn, starts, limits, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for start, limit in zip(starts, limits, strict=True):
            fn(start, limit)
        best = min(best, time.perf_counter() - began)
    return len(starts) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    calendar, build_s = build()
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    rng = random.Random(args.seed)
    lo = int(datetime(2026, 1, 1, tzinfo=tz).timestamp())
    hi = int(datetime(2035, 6, 30, tzinfo=tz).timestamp())
    epochs = [rng.randrange(lo, hi) for _ in range(args.n)]  # second resolution, any time of day or week
    limits = [parse_limit(rng.choice(LIMITS)) for _ in range(args.n)]
    local_starts = [datetime.fromtimestamp(e, tz) for e in epochs]
    utc_starts = [datetime.fromtimestamp(e, UTC) for e in epochs]
    print(f"python {platform.python_version()}, {calendar!r}, built in {build_s * 1000:.0f} ms")
    print(f"{args.n} random starts 2026-01-01..2035-06-30 (seed {args.seed}), limits {','.join(LIMITS)}")
    figures = {
        "due(datetime Asia/Ho_Chi_Minh) -> datetime": rate(calendar.due, local_starts, limits),
        "due(datetime UTC) -> datetime": rate(calendar.due, utc_starts, limits),
        "due_epoch(int seconds) -> int seconds": rate(calendar.due_epoch, epochs, limits),
    }
    for name, value in figures.items():
        print(f"{name:45s} {value:>12,.0f} due/s (one core, best of 5)")
    goal = 300_000
    ok = figures["due(datetime Asia/Ho_Chi_Minh) -> datetime"] >= goal
    print(f"goal {goal:,} due/s with datetimes: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
