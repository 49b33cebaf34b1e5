"""Appointments, step due times, clock pauses and timeliness. Pure: stdlib + the working calendar.

* The appointment is `calendar.due(received_at, limit)`.
* Step i is *planned* to end at `add_working_time(received_at, share_0 + … + share_i)`, never after the
  appointment (for calendar-day and same-day limits the shares only have to fit); its *own* due time is
  `add_working_time(started_at, share_i)` each time it starts. The planned times say which step made a
  dossier late; the own due times say whether the step's holder used more than the step's share.
* A pause (supplement request in processing, or waiting for financial obligations) stops the clock at
  `paused_at`; on resumption the working time paused, `calendar.working_time_between(paused_at, now)`,
  is added to the appointments (original and promised), to the current step's due time and to the
  planned due times of the current and later steps. Nothing else ever moves a due time backwards or
  forwards, except an apology (the promised date) and a step (re)start (its own due time).
* Timeliness compares at a granularity (minute by default): both instants are truncated in the
  calendar's time zone of the due time, then `<` early, `=` on time, `>` late. A paused dossier is
  judged at `paused_at` (its clock is stopped).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import IntEnum

from motcua.workcalendar.domain import WorkCalendar

from .state import DossierState, StepState, StepTemplate
from .statuses import FINISHED_STATUSES, Granularity, Status, Timeliness

_ZERO = timedelta(0)

# Statuses in which a finished dossier has a timeliness: it was resolved.
_RESOLVED = frozenset({Status.RESOLVED, Status.RETURNED})


def steps_from_templates(templates: list[StepTemplate] | tuple[StepTemplate, ...]) -> tuple[StepState, ...]:
    """Not-yet-started step states for the procedure's step templates (planned due times set on receipt)."""
    return tuple(
        StepState(index=index, name=t.name, role=t.role, unit_ref=t.unit_ref, share=timedelta(hours=t.hours))
        for index, t in enumerate(templates)
    )


def plan_from_receipt(steps: tuple[StepState, ...], received_at: datetime, due_at: datetime,
                      calendar: WorkCalendar) -> tuple[StepState, ...]:
    """Planned due times from receipt, cumulative over the shares, capped at the appointment."""
    planned: list[StepState] = []
    cumulative = _ZERO
    for step in steps:
        cumulative += step.share
        planned.append(replace(step, planned_due_at=min(calendar.add_working_time(received_at, cumulative), due_at)))
    return tuple(planned)


def start_step(step: StepState, now: datetime, calendar: WorkCalendar, *, holder: str | None = None,
               unit_ref: str | None = None) -> StepState:
    """The step (re)started at `now`: its own due time is its share of working time from `now`."""
    return replace(step, started_at=now, due_at=calendar.add_working_time(now, step.share), finished_at=None,
                   holder=holder if holder is not None else step.holder,
                   unit_ref=unit_ref if unit_ref is not None else step.unit_ref)


def shift(moment: datetime | None, amount: timedelta, calendar: WorkCalendar) -> datetime | None:
    """`moment` moved later by `amount` of working time (unchanged when `amount` is zero)."""
    if moment is None or amount <= _ZERO:
        return moment
    return calendar.add_working_time(moment, amount)


def resume_clock(state: DossierState, now: datetime, calendar: WorkCalendar) -> tuple[DossierState, timedelta]:
    """The state with the clock running again at `now`, and the working time it was paused."""
    if state.paused_at is None:
        return state, _ZERO
    paused = calendar.working_time_between(state.paused_at, now)
    if paused <= _ZERO or state.original_due_at is None:
        return replace(state, paused_at=None), max(paused, _ZERO)
    current = state.current_step if state.current_step is not None else len(state.steps)
    steps = tuple(
        s if s.index < current else replace(
            s, planned_due_at=shift(s.planned_due_at, paused, calendar),
            due_at=shift(s.due_at, paused, calendar) if s.index == current else s.due_at)
        for s in state.steps
    )
    original = shift(state.original_due_at, paused, calendar)
    promised = shift(state.promised_due_at, paused, calendar)
    return replace(state, paused_at=None, original_due_at=original, promised_due_at=promised,
                   due_at=promised if promised is not None else original, steps=steps), paused


# ---- timeliness ---------------------------------------------------------------------------------------


def truncate(moment: datetime, granularity: Granularity | str, like: datetime) -> datetime:
    """`moment` in the time zone of `like`, truncated to `granularity`."""
    g = Granularity(granularity)
    local = moment.astimezone(like.tzinfo)
    if g is Granularity.SECOND:
        return local.replace(microsecond=0)
    if g is Granularity.MINUTE:
        return local.replace(second=0, microsecond=0)
    if g is Granularity.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def compare(finished: datetime, due: datetime, granularity: Granularity | str = Granularity.MINUTE) -> Timeliness:
    """Early / on time / late of something finished at `finished` and due at `due`."""
    a = truncate(finished, granularity, due)
    b = truncate(due, granularity, due)
    if a < b:
        return Timeliness.EARLY
    if a == b:
        return Timeliness.ON_TIME
    return Timeliness.LATE


def _running(clock: datetime, due: datetime, granularity: Granularity | str) -> Timeliness:
    return Timeliness.OVERDUE if compare(clock, due, granularity) is Timeliness.LATE else Timeliness.IN_TIME


def _clock(state: DossierState, at: datetime) -> datetime:
    """The instant at which a dossier's clock stands at `at` (stopped at `paused_at` while paused)."""
    return _clock_at(state.paused_at, at)


def _clock_at(paused_at: datetime | None, at: datetime) -> datetime:
    return paused_at if paused_at is not None and paused_at <= at else at


def timeliness_of(state: DossierState, at: datetime,
                  granularity: Granularity | str = Granularity.MINUTE) -> Timeliness | None:
    """Timeliness of the dossier as of `at`, against the original appointment (apologies do not change it).

    * resolved (9, 10) by `at`: early / on_time / late by `finished_at`; forced late → late;
    * received, not finished by `at`: in_time / overdue (paused: judged at `paused_at`); forced late → overdue;
    * None when it has no appointment (never received) or ended without a result (3, 7, 8).
    The appointment used is the current one: an `at` in the past does not undo later pauses.
    """
    return timeliness_from(state.status, state.original_due_at, state.finished_at, state.paused_at,
                           state.forced_late, at, granularity)


def timeliness_from(status: int, original_due_at: datetime | None, finished_at: datetime | None,
                    paused_at: datetime | None, forced_late: bool, at: datetime,
                    granularity: Granularity | str = Granularity.MINUTE) -> Timeliness | None:
    """`timeliness_of` from the five state values it reads, which the dossier row keeps as columns: lists
    judge their rows without loading (or parsing) the whole state."""
    if original_due_at is None or status in FINISHED_STATUSES - _RESOLVED:
        return None
    if finished_at is not None and finished_at <= at:
        return Timeliness.LATE if forced_late else compare(finished_at, original_due_at, granularity)
    if forced_late:
        return Timeliness.OVERDUE
    return _running(_clock_at(paused_at, at), original_due_at, granularity)


def promise_timeliness(state: DossierState, at: datetime,
                       granularity: Granularity | str = Granularity.MINUTE) -> Timeliness | None:
    """Was (or is) the apology's new date kept? None without an apology or a resolution."""
    due = state.promised_due_at
    if due is None or state.status in FINISHED_STATUSES - _RESOLVED:
        return None
    if state.finished_at is not None and state.finished_at <= at:
        return compare(state.finished_at, due, granularity)
    return _running(_clock(state, at), due, granularity)


def step_timeliness(step: StepState, at: datetime, granularity: Granularity | str = Granularity.MINUTE, *,
                    paused_at: datetime | None = None, planned: bool = False) -> Timeliness | None:
    """Timeliness of one step against its own due time (or its planned one with `planned=True`).

    None while the step has not started. Pass the dossier's `paused_at` to judge a running step with
    the clock stopped.
    """
    due = step.planned_due_at if planned else step.due_at
    if due is None or step.started_at is None:
        return None
    if step.finished_at is not None and step.finished_at <= at:
        return compare(step.finished_at, due, granularity)
    clock = paused_at if paused_at is not None and paused_at <= at else at
    return _running(clock, due, granularity)


def remaining_working_time(state: DossierState, at: datetime, calendar: WorkCalendar) -> timedelta | None:
    """Working time left until the original appointment as of `at` (negative once overdue).

    None when there is no appointment or processing has ended.
    """
    if state.original_due_at is None or state.finished_at is not None:
        return None
    return calendar.working_time_between(_clock(state, at), state.original_due_at)


def needed_working_time(state: DossierState, at: datetime, calendar: WorkCalendar) -> timedelta:
    """What the remaining steps need: the unused share of the current step plus the later steps' shares."""
    if state.current_step is None:
        return _ZERO
    step = state.steps[state.current_step]
    spent = _ZERO
    if step.started_at is not None:
        spent = max(calendar.working_time_between(step.started_at, _clock(state, at)), _ZERO)
    later = sum((s.share for s in state.steps[state.current_step + 1:]), _ZERO)
    return max(step.share - spent, _ZERO) + later


def at_risk(state: DossierState, at: datetime, calendar: WorkCalendar) -> bool:
    """In processing, with less working time left than the remaining steps need (overdue included)."""
    remaining = remaining_working_time(state, at, calendar)
    if remaining is None or state.current_step is None:
        return False
    return remaining < needed_working_time(state, at, calendar)


def at_risk_from(state: DossierState, calendar: WorkCalendar) -> datetime | None:
    """The instant from which `at_risk` holds until the dossier's next change; None when it never does.

    For every `at` from `state.last_event_at` on: `at_risk(state, at, calendar)` ⇔ `at >= at_risk_from(...)`.
    Stored in a column at each transition, it lets a worklist find the dossiers at risk with one indexed
    comparison (`at_risk_from <= now`) instead of working-time arithmetic per row. Derivation, with
    `w` the working time elapsed since the last change `a`, `R` the working time from `a` to the
    appointment, `K` the unused share of the current step at `a` and `L` the later steps' shares:
    remaining = R − w and needed = max(K − w, 0) + L, so while w ≤ K the dossier is at risk iff R < K + L
    (a constant), and afterwards iff w > R − L. Hence: at risk from `a` when R − L < max(K, 0) (or when
    R − L < 0), otherwise from the first instant at which w exceeds R − L (by one microsecond, the
    resolution of the working-time arithmetic). While the clock is paused nothing moves: at risk
    from the pause or never.
    """
    step = state.step
    due = state.original_due_at
    if due is None or step is None or state.finished_at is not None:
        return None
    if state.paused_at is not None:
        return state.paused_at if at_risk(state, state.paused_at, calendar) else None
    a = state.last_event_at
    later = sum((s.share for s in state.steps[step.index + 1:]), _ZERO)
    try:
        if step.started_at is None:  # nothing spent yet, and nothing will be: the need is constant
            threshold = calendar.working_time_between(a, due) - step.share - later
        else:
            unused = step.share - max(calendar.working_time_between(step.started_at, a), _ZERO)
            threshold = calendar.working_time_between(a, due) - later
            if threshold < max(unused, _ZERO):
                return a
        if threshold < _ZERO:
            return a
        return calendar.add_working_time(a, threshold + timedelta(microseconds=1))
    except ValueError:  # outside the calendar's range: no verdict within it
        return None


def overdue_from(state: DossierState) -> datetime | None:
    """The instant from which the worklists count the dossier as overdue, until its next change; None: never.

    Overdue means in processing with the appointment the applicant holds now (`due_at`) passed: after
    `due_at` while the clock runs; from the pause if it was already passed when the clock stopped (a
    paused clock cannot pass it); at once when a second supplement request forced it late.
    """
    if state.current_step is None or state.due_at is None or state.finished_at is not None:
        return None
    if state.forced_late:
        return state.last_event_at
    if state.paused_at is not None:
        return state.paused_at if state.due_at < state.paused_at else None
    return state.due_at + timedelta(microseconds=1)


class LateStepKind(IntEnum):
    """How a step row counts in the late-step attribution of the dashboards (`late_step_bucket`)."""

    FINISHED_LATE = 1  # finished late: counted at its finish instant
    RUNNING = 2  # started, not finished, clock going: counted at the instant it becomes overdue


LATE_MARGIN = timedelta(minutes=1)


def late_from(due_at: datetime) -> datetime:
    """The first instant at which something due at `due_at` is late: the minute after the due minute (the
    timeliness of the dossier pages, `compare` at minute granularity: 10:00:30 is late from 10:01:00)."""
    return truncate(due_at, Granularity.MINUTE, due_at) + LATE_MARGIN


def late_step_bucket(started_at: datetime | None, due_at: datetime | None, finished_at: datetime | None,
                     paused_at: datetime | None) -> tuple[LateStepKind, datetime] | None:
    """Where a step (its stored instants, and its dossier's `paused_at`) counts among late steps, if at all.

    * finished late (`late_from` its due time or after): (FINISHED_LATE, finished_at) — late in the period that
      holds its finish;
    * started and not finished: (RUNNING, late_from(due_at)) — overdue in any period whose end (or now) is at
      or after that instant; a dossier whose clock stopped (awaiting supplement) before it does not pass its
      due time, so such a step counts nowhere;
    * otherwise (not started, no due time, finished in time): None.

    The same verdicts as `step_timeliness` at minute granularity (tests/dossiers/domain/test_late_steps.py)."""
    if due_at is None:
        return None
    late = late_from(due_at)
    if finished_at is not None:
        return (LateStepKind.FINISHED_LATE, finished_at) if finished_at >= late else None
    if started_at is None or (paused_at is not None and paused_at < late):
        return None
    return LateStepKind.RUNNING, late
