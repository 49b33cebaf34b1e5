"""Lateness alerts: is a dossier at risk, is its apology deadline approaching, can it still apologise? Pure.

Definitions (the periodic scan, the officer's alert list and the dossier page use these and nothing else):

* **at risk** — exactly the worklist's "at risk" tab: in processing, not overdue (`overdue_from` not
  reached), and `at_risk_from` reached, i.e. the working time left before the appointment is less than
  the remaining steps need (the unused share of the current step plus the later steps' shares).
* **apology deadline** — an apology with a new date is allowed at most once and only while at least one
  working day (`ONE_WORKING_DAY`, 8 working hours) of clock time is left before the appointment the
  applicant holds (`due_at`; the transition guard `one_working_day_ahead`). The *apology margin* is the
  working time left before that limit: `working_time_between(clock, due_at) − 8 h` (the clock stands at
  `paused_at` while paused). The *apology deadline* is the last instant at which the margin is still ≥ 0
  while the clock runs.
* **apology window** (`ApologyWindow`): `NONE` (not in processing), `GIVEN` (already apologised),
  `CLOSING` (clock running and 0 ≤ margin ≤ lead time: the deadline is approaching), `OPEN` (margin above
  the lead time, or the clock is paused: the margin does not shrink while paused), `CLOSED` (margin < 0:
  the apology is no longer possible).
* **alert kinds** (`AlertKind`): `AT_RISK` when at risk; `APOLOGY_DUE` when the window is `CLOSING` and
  the dossier will miss its appointment at the current pace (`at_risk` of the deadline rules: needed >
  left): those are the dossiers for which an apology has to be prepared now. A dossier in time never
  gets an apology alert, however close its appointment.
* **proposed new date** (for the apology draft): the clock plus the working time the remaining steps
  need, rounded up to the minute — later than the appointment whenever the dossier is at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from motcua.workcalendar.domain import WorkCalendar

from .deadlines import at_risk, at_risk_from, needed_working_time, overdue_from
from .state import DossierState
from .transitions import ONE_WORKING_DAY

DEFAULT_APOLOGY_LEAD = timedelta(hours=4)
"""How long (working time) before the apology deadline the apology alert is raised, by default."""

_ZERO = timedelta(0)


class AlertKind(StrEnum):
    AT_RISK = "at_risk"
    APOLOGY_DUE = "apology_due"


class ApologyWindow(StrEnum):
    NONE = "none"
    GIVEN = "given"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def possible(self) -> bool:
        """May an apology still be given (as far as time and the once-only rule go)?"""
        return self in (ApologyWindow.OPEN, ApologyWindow.CLOSING)


@dataclass(frozen=True, slots=True)
class LatenessVerdict:
    """What the rules say about one dossier at one instant."""

    at_risk: bool  # the worklist's "at risk": at risk of lateness and not overdue yet
    overdue: bool  # the worklist's "overdue"
    will_be_late: bool  # needed working time > working time left (overdue included)
    apology: ApologyWindow
    apology_margin: timedelta | None  # working time left before the apology limit (negative: too late)
    apology_deadline: datetime | None  # last instant an apology is allowed (clock running, margin ≥ 0)
    needed: timedelta  # working time the remaining steps need
    proposed_due_at: datetime | None  # the apology draft's new date (only when it will be late)

    @property
    def kinds(self) -> tuple[AlertKind, ...]:
        kinds: list[AlertKind] = []
        if self.at_risk:
            kinds.append(AlertKind.AT_RISK)
        if self.apology is ApologyWindow.CLOSING and self.will_be_late:
            kinds.append(AlertKind.APOLOGY_DUE)
        return tuple(kinds)


def _clock(state: DossierState, at: datetime) -> datetime:
    return state.paused_at if state.paused_at is not None and state.paused_at <= at else at


def is_overdue(state: DossierState, at: datetime) -> bool:
    """The worklist's "overdue" (`overdue_from <= at`)."""
    start = overdue_from(state)
    return start is not None and start <= at


def is_at_risk(state: DossierState, at: datetime, calendar: WorkCalendar) -> bool:
    """The worklist's "at risk" (`at_risk_from <= at`, not overdue), for `at` from the last change on."""
    start = at_risk_from(state, calendar)
    return start is not None and start <= at and not is_overdue(state, at)


def apology_margin(state: DossierState, at: datetime, calendar: WorkCalendar) -> timedelta | None:
    """Working time left at `at` before an apology becomes impossible (negative once it is); None when the
    dossier is not in processing (no appointment to move)."""
    if state.current_step is None or state.due_at is None or state.finished_at is not None:
        return None
    return calendar.working_time_between(_clock(state, at), state.due_at) - ONE_WORKING_DAY


def apology_deadline(state: DossierState, at: datetime, calendar: WorkCalendar) -> datetime | None:
    """The last instant at which an apology is still allowed, if the clock keeps running from `at`.

    None when the dossier is not in processing, already apologised, paused (the deadline then depends on
    when the clock starts again) or past it. At the returned instant the margin is exactly zero, an instant
    later it is negative (the next opening, when the limit falls on the end of office hours).
    """
    margin = apology_margin(state, at, calendar)
    if margin is None or margin < _ZERO or state.apologised or state.paused_at is not None:
        return None
    try:
        return calendar.next_opening(calendar.add_working_time(at, margin))
    except ValueError:  # beyond the calendar's range
        return None


def apology_window(state: DossierState, at: datetime, calendar: WorkCalendar,
                   lead: timedelta = DEFAULT_APOLOGY_LEAD) -> ApologyWindow:
    margin = apology_margin(state, at, calendar)
    if margin is None:
        return ApologyWindow.NONE
    if state.apologised:
        return ApologyWindow.GIVEN
    if margin < _ZERO:
        return ApologyWindow.CLOSED
    if state.paused_at is None and margin <= lead:
        return ApologyWindow.CLOSING
    return ApologyWindow.OPEN


def proposed_due_at(state: DossierState, at: datetime, calendar: WorkCalendar) -> datetime | None:
    """The new date an apology draft proposes: the remaining steps' working time from the clock, rounded up
    to the minute. None unless the dossier will miss its appointment (then it is after `due_at`)."""
    if state.due_at is None or not at_risk(state, at, calendar):
        return None
    try:
        moment = calendar.add_working_time(_clock(state, at), needed_working_time(state, at, calendar))
    except ValueError:
        return None
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment if moment > state.due_at else None


def evaluate(state: DossierState, at: datetime, calendar: WorkCalendar,
             lead: timedelta = DEFAULT_APOLOGY_LEAD) -> LatenessVerdict:
    """Everything the alerts need about `state` at `at` (an instant from its last change on)."""
    if lead < _ZERO:
        raise ValueError("the apology lead time must not be negative")
    try:
        risky = is_at_risk(state, at, calendar)
        late = at_risk(state, at, calendar)
        window = apology_window(state, at, calendar, lead)
        margin = apology_margin(state, at, calendar)
    except ValueError:  # an instant outside the calendar's range: no verdict there
        return LatenessVerdict(False, is_overdue(state, at), False, ApologyWindow.NONE, None, None, _ZERO, None)
    return LatenessVerdict(
        at_risk=risky, overdue=is_overdue(state, at), will_be_late=late, apology=window, apology_margin=margin,
        apology_deadline=apology_deadline(state, at, calendar) if window.possible else None,
        needed=needed_working_time(state, at, calendar),
        proposed_due_at=proposed_due_at(state, at, calendar) if late and window.possible else None,
    )
