"""Time limits of procedures: kinds, parsing from catalogue text, and the working-hour budget of steps.

A limit is ``TimeLimit(kind, amount)`` with the same four kinds as `motcua.workcalendar`:

* ``wd`` working days (1 wd = 8 working hours), ``wh`` working hours,
* ``d`` calendar days,
* ``sameday`` the result is due the same working day; received after 15:00 → the next working day
  (the amount is always 1).

**Step budget.** The shares of a procedure's process steps are in working hours. They must add up to
exactly ``amount × 8`` for ``wd`` and ``amount`` for ``wh``. Two kinds are not a fixed number of working
hours, so there the shares must *fit* (sum ≤ budget) instead:

* ``sameday``: one working day, 8 working hours;
* ``d``: the working days any window of ``amount`` calendar days surely contains, ``amount × 5 // 7``
  (at least 1), × 8 working hours. Holidays can still shorten a window: the dossier's due date is
  the calendar one, and the step due times never extend it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from motcua.catalog.domain.text import fold

HOURS_PER_WORKING_DAY = 8


class LimitKind(StrEnum):
    WORKING_DAYS = "wd"
    WORKING_HOURS = "wh"
    CALENDAR_DAYS = "d"
    SAME_DAY = "sameday"


@dataclass(frozen=True)
class TimeLimit:
    kind: LimitKind
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 1:
            raise ValueError("a time limit must be at least 1")
        if self.kind == LimitKind.SAME_DAY and self.amount != 1:
            raise ValueError("a same-day limit has amount 1")

    def __str__(self) -> str:
        return "sameday" if self.kind == LimitKind.SAME_DAY else f"{self.amount}{self.kind.value}"


@dataclass(frozen=True)
class StepBudget:
    """Working hours the step shares may use; `exact` says they must add up to it (else: at most)."""

    hours: int
    exact: bool


def step_budget(limit: TimeLimit) -> StepBudget:
    if limit.kind == LimitKind.WORKING_DAYS:
        return StepBudget(limit.amount * HOURS_PER_WORKING_DAY, exact=True)
    if limit.kind == LimitKind.WORKING_HOURS:
        return StepBudget(limit.amount, exact=True)
    if limit.kind == LimitKind.SAME_DAY:
        return StepBudget(HOURS_PER_WORKING_DAY, exact=False)
    return StepBudget(max(1, limit.amount * 5 // 7) * HOURS_PER_WORKING_DAY, exact=False)


def exceeds(internal: TimeLimit, legal: TimeLimit) -> bool:
    """Is the internal (shortened) limit longer than the legal one?

    Calendar days compare with calendar days only; a calendar-day internal limit under a working-time
    legal limit counts as exceeding it (it cannot be checked). Working kinds compare in working hours
    (same day = 8 h); a working-time internal limit under a calendar-day legal one must fit its budget.
    """
    if internal.kind == LimitKind.CALENDAR_DAYS or legal.kind == LimitKind.CALENDAR_DAYS:
        if internal.kind == legal.kind:
            return internal.amount > legal.amount
        if internal.kind == LimitKind.CALENDAR_DAYS:
            return True
        return step_budget(internal).hours > step_budget(legal).hours
    return step_budget(internal).hours > step_budget(legal).hours


_CODE_RE = re.compile(r"^\s*(?:(sameday)|(\d+)\s*(wd|wh|d))\s*$", re.IGNORECASE)


def parse_limit_code(text: str) -> TimeLimit:
    """Parse the compact form used in import files: ``25wd``, ``8wh``, ``15d``, ``sameday``."""
    match = _CODE_RE.match(text)
    if not match:
        raise ValueError(f"not a time limit code: {text!r}")
    if match.group(1):
        return TimeLimit(LimitKind.SAME_DAY, 1)
    return TimeLimit(LimitKind(match.group(3).lower()), int(match.group(2)))


# Patterns over folded (diacritic-free, lower-case) text; the earliest match in the text wins.
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], LimitKind], ...] = (
    (re.compile(r"\btrong ngay\b"), LimitKind.SAME_DAY),
    (re.compile(r"\b(\d{1,3})\s*ngay lam viec\b"), LimitKind.WORKING_DAYS),
    (re.compile(r"\b(\d{1,3})\s*gio(?: lam viec)?\b"), LimitKind.WORKING_HOURS),
    (re.compile(r"\b(\d{1,3})\s*ngay\b(?! lam viec)"), LimitKind.CALENDAR_DAYS),
)


def parse_time_limit(text: str) -> TimeLimit | None:
    """Read a limit from catalogue text such as "03 ngày làm việc" or "Trong ngày; sau 15h → …".

    Returns None when the text holds no limit (blank, "—"). When it names several, the first one wins
    ("Ngay trong ngày; cần xác minh ≤05 ngày làm việc" → same day); callers keep the text as a note.
    """
    folded = fold(text)
    best: tuple[int, TimeLimit] | None = None
    for pattern, kind in _TEXT_PATTERNS:
        match = pattern.search(folded)
        if match is None:
            continue
        amount = 1 if kind == LimitKind.SAME_DAY else int(match.group(1))
        if amount < 1:
            continue
        if best is None or match.start() < best[0]:
            best = (match.start(), TimeLimit(kind, amount))
    return best[1] if best else None


def parse_limit(text: str) -> TimeLimit | None:
    """A compact code (``25wd``) or, failing that, Vietnamese text; None when neither is found."""
    try:
        return parse_limit_code(text)
    except ValueError:
        return parse_time_limit(text)
