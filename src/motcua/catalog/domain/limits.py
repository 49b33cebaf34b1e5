"""Time limits of procedures as the catalogue writes them, and the working-hour budget of steps.

A limit is the working calendar's own `motcua.workcalendar.domain.Limit` (kind + amount), so a
procedure's limit goes straight into `WorkCalendar.due(start, limit)`:

* ``wd`` working days (1 wd = 8 working hours), ``wh`` working hours,
* ``d`` calendar days,
* ``sameday`` the result is due the same working day; received after 15:00 → the next working day
  (``Limit(LimitKind.SAME_DAY)``, amount 0).

The compact codes (``25wd``, ``8wh``, ``15d``, ``sameday``) are the calendar's `parse_limit`. What is
catalogue-specific lives here: reading Vietnamese catalogue text ("03 ngày làm việc", "Trong ngày; sau
15h → …"), the catalogue's rule that a wd/wh/d limit is at least 1, the step budget and the
internal-versus-legal comparison.

**Step budget.** The shares of a procedure's process steps are in working hours. They must add up to
exactly ``amount × 8`` for ``wd`` and ``amount`` for ``wh`` (the limit's working time). Two kinds are
not a fixed number of working hours, so there the shares must *fit* (sum ≤ budget) instead:

* ``sameday``: one working day, 8 working hours;
* ``d``: the working days any window of ``amount`` calendar days surely contains, ``amount × 5 // 7``
  (at least 1), × 8 working hours. Holidays can still shorten a window: the dossier's due date is
  the calendar one, and the step due times never extend it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from motcua.catalog.domain.text import fold
from motcua.workcalendar.domain import Limit, LimitKind, parse_limit
from motcua.workcalendar.domain.limits import WORKING_DAY_HOURS

_SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class StepBudget:
    """Working hours the step shares may use; `exact` says they must add up to it (else: at most)."""

    hours: int
    exact: bool


def step_budget(limit: Limit) -> StepBudget:
    seconds = limit.working_seconds
    if seconds is not None:  # wd, wh: the limit's working time
        return StepBudget(seconds // _SECONDS_PER_HOUR, exact=True)
    if limit.kind == LimitKind.SAME_DAY:
        return StepBudget(WORKING_DAY_HOURS, exact=False)
    return StepBudget(max(1, limit.amount * 5 // 7) * WORKING_DAY_HOURS, exact=False)


def exceeds(internal: Limit, legal: Limit) -> bool:
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


def is_catalogue_limit(limit: Limit) -> bool:
    """Can a procedure have this limit? Same day, or at least 1 of the other kinds (``0wd`` is no limit)."""
    return limit.kind == LimitKind.SAME_DAY or limit.amount >= 1


# Patterns over folded (diacritic-free, lower-case) text; the earliest match in the text wins.
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], LimitKind], ...] = (
    (re.compile(r"\btrong ngay\b"), LimitKind.SAME_DAY),
    (re.compile(r"\b(\d{1,3})\s*ngay lam viec\b"), LimitKind.WORKING_DAYS),
    (re.compile(r"\b(\d{1,3})\s*gio(?: lam viec)?\b"), LimitKind.WORKING_HOURS),
    (re.compile(r"\b(\d{1,3})\s*ngay\b(?! lam viec)"), LimitKind.CALENDAR_DAYS),
)


def parse_limit_text(text: str) -> Limit | None:
    """Read a limit from catalogue text such as "03 ngày làm việc" or "Trong ngày; sau 15h → …".

    Returns None when the text holds no limit (blank, "—"). When it names several, the first one wins
    ("Ngay trong ngày; cần xác minh ≤05 ngày làm việc" → same day); callers keep the text as a note.
    """
    folded = fold(text)
    best: tuple[int, Limit] | None = None
    for pattern, kind in _TEXT_PATTERNS:
        match = pattern.search(folded)
        if match is None:
            continue
        limit = Limit(kind) if kind == LimitKind.SAME_DAY else Limit(kind, int(match.group(1)))
        if not is_catalogue_limit(limit):
            continue
        if best is None or match.start() < best[0]:
            best = (match.start(), limit)
    return best[1] if best else None


# "25 wd": the import format has always allowed blanks between the number and the kind.
_SPACED_CODE_RE = re.compile(r"^\s*(\d+)\s+([a-z]+)\s*$", re.IGNORECASE)


def parse_limit_or_text(text: str) -> Limit | None:
    """A compact code (``25wd``, ``sameday``; the calendar's `parse_limit`) or, failing that, Vietnamese
    text (`parse_limit_text`); None when neither is found or the amount is 0."""
    try:
        limit = parse_limit(_SPACED_CODE_RE.sub(r"\1\2", text))
    except ValueError:
        return parse_limit_text(text)
    return limit if is_catalogue_limit(limit) else None
