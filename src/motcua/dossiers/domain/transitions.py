"""The dossier state machine: one transition table, `apply`, `allowed_actions`, `new_dossier`. Pure.

`apply(state, action, ctx)` looks the action up in `TRANSITIONS` and checks, in this order:

1. `ctx.now` is not before the dossier's last change (`time_before_last_change`);
2. a row of the action lists the current status (`action_not_allowed_in_status`), and its step condition
   holds: intake rows need a dossier not yet received, processing rows a dossier at a step
   (`action_not_allowed_in_status`), `not_last` → `no_next_step`, `not_first` → `no_previous_step`,
   `last` → `not_last_step`;
3. the actor's role (or actor kind) is in the row (`role_not_allowed`);
4. the row's guards (`already_approved`, `not_approved`, `apology_already_given`, `apology_too_late`,
   `missing_result`);
5. the action's parameters (`missing_parameter`, `invalid_parameter`, `apology_date_not_after_due`,
   `result_not_electronic`);

then returns the new state and the event to append. Nothing here reads the clock or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from motcua.core.domain.permissions import Role
from motcua.workcalendar.domain import Limit, WorkCalendar

from .deadlines import plan_from_receipt, resume_clock, start_step, steps_from_templates
from .errors import ErrorCode, TransitionError
from .state import Context, DossierState, PayloadValue, StepState, StepTemplate, Transitioned, TransitionEvent
from .statuses import Actor, ActorKind, Channel, DossierAction, ReturnChannel, Status

ONE_WORKING_DAY = timedelta(hours=8)
"""An apology must come at least this much working time before the appointment."""


class StepCondition(StrEnum):
    """Where in the process a row applies."""

    ANY = "any"  # no condition (statuses without a step, or with any)
    INTAKE = "intake"  # not received yet (no appointment, no step)
    AT_STEP = "at_step"  # received and at a process step (the clock may be paused)
    NOT_LAST = "not_last"  # at a step that has a next one
    NOT_FIRST = "not_first"  # at a step that has a previous one
    LAST = "last"  # at the last step

    def holds(self, state: DossierState) -> bool:
        current = state.current_step
        if self is StepCondition.ANY:
            return True
        if self is StepCondition.INTAKE:
            return state.received_at is None
        if current is None:
            return False
        if self is StepCondition.NOT_LAST:
            return current < len(state.steps) - 1
        if self is StepCondition.NOT_FIRST:
            return current > 0
        if self is StepCondition.LAST:
            return current == len(state.steps) - 1
        return True  # AT_STEP


Refusal = tuple[ErrorCode, str]
Guard = Callable[[DossierState, datetime | None, WorkCalendar | None], Refusal | None]
"""A guard sees the state and, when known, the instant and the calendar (time-dependent guards pass without)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table. `from_statuses` empty: only creates a dossier (`new_dossier`).

    `to_status` None: the status does not change.
    """

    action: DossierAction
    from_statuses: tuple[Status, ...]
    step: StepCondition
    to_status: Status | None
    roles: frozenset[Actor]
    guards: tuple[Guard, ...] = ()


# ---- guards -------------------------------------------------------------------------------------------


def not_yet_approved(state: DossierState, now: datetime | None, calendar: WorkCalendar | None) -> Refusal | None:
    if state.approved:
        return ErrorCode.ALREADY_APPROVED, "the result has already been approved"
    return None


def approved_if_required(state: DossierState, now: datetime | None, calendar: WorkCalendar | None) -> Refusal | None:
    if state.requires_approval and not state.approved:
        return ErrorCode.NOT_APPROVED, "the process has a leader step and the result has not been approved"
    return None


def no_apology_yet(state: DossierState, now: datetime | None, calendar: WorkCalendar | None) -> Refusal | None:
    if state.apologised:
        return ErrorCode.APOLOGY_ALREADY_GIVEN, "an apology with a new date has already been given (at most once)"
    return None


def one_working_day_ahead(state: DossierState, now: datetime | None,
                          calendar: WorkCalendar | None) -> Refusal | None:
    if now is None or calendar is None or state.due_at is None:
        return None
    clock = state.paused_at if state.paused_at is not None else now
    left = calendar.working_time_between(clock, state.due_at)
    if left < ONE_WORKING_DAY:
        return ErrorCode.APOLOGY_TOO_LATE, (
            f"an apology must be given at least one working day (8 working hours) before the appointment "
            f"{state.due_at.isoformat()}; only {_hours(left)} working hours are left")
    return None


def result_recorded(state: DossierState, now: datetime | None, calendar: WorkCalendar | None) -> Refusal | None:
    if not state.result_recorded:
        return ErrorCode.MISSING_RESULT, "no result has been recorded"
    return None


# ---- the table ----------------------------------------------------------------------------------------

A, S, C = DossierAction, Status, StepCondition
APPLICANT, SYSTEM = ActorKind.APPLICANT, ActorKind.SYSTEM
RECEPTION, SPECIALIST, LEADER, CLERK = Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK


def _who(*actors: Actor) -> frozenset[Actor]:
    return frozenset(actors)


DESK = _who(RECEPTION)
OFFICERS = _who(RECEPTION, SPECIALIST, LEADER, CLERK)
IN_PROCESS = (S.PROCESSING, S.AWAITING_SUPPLEMENT, S.AWAITING_PAYMENT)

TRANSITIONS: tuple[Transition, ...] = (
    # action                from                                  step         to                      who
    Transition(A.SUBMIT_ONLINE, (), C.INTAKE, S.SUBMITTED, _who(APPLICANT)),
    Transition(A.RECEIVE, (), C.INTAKE, S.PROCESSING, DESK),
    Transition(A.RECEIVE, (S.SUBMITTED,), C.INTAKE, S.PROCESSING, DESK),
    Transition(A.ACCEPT, (S.SUBMITTED,), C.INTAKE, S.PROCESSING, DESK),
    Transition(A.REQUEST_SUPPLEMENT, (S.SUBMITTED,), C.INTAKE, S.AWAITING_SUPPLEMENT, DESK),
    Transition(A.REQUEST_SUPPLEMENT, (S.PROCESSING,), C.AT_STEP, S.AWAITING_SUPPLEMENT,
               _who(RECEPTION, SPECIALIST, LEADER)),
    Transition(A.SUPPLEMENT, (S.AWAITING_SUPPLEMENT,), C.INTAKE, S.SUBMITTED, _who(APPLICANT, RECEPTION)),
    Transition(A.SUPPLEMENT, (S.AWAITING_SUPPLEMENT,), C.AT_STEP, S.PROCESSING, _who(APPLICANT, RECEPTION)),
    Transition(A.REFUSE, (S.SUBMITTED, S.AWAITING_SUPPLEMENT), C.INTAKE, S.NOT_RECEIVED, DESK),
    Transition(A.ASSIGN, (S.PROCESSING,), C.AT_STEP, None, OFFICERS),
    Transition(A.HAND_OVER, (S.PROCESSING,), C.NOT_LAST, None, OFFICERS),
    Transition(A.SEND_BACK, (S.PROCESSING,), C.NOT_FIRST, None, OFFICERS),
    Transition(A.REQUEST_PAYMENT, (S.PROCESSING,), C.AT_STEP, S.AWAITING_PAYMENT, _who(SPECIALIST, LEADER)),
    Transition(A.RECORD_PAYMENT, (S.AWAITING_PAYMENT,), C.AT_STEP, S.PROCESSING, _who(RECEPTION, CLERK, SYSTEM)),
    Transition(A.APPROVE, (S.PROCESSING,), C.AT_STEP, None, _who(LEADER), (not_yet_approved,)),
    Transition(A.RECORD_RESULT, (S.PROCESSING,), C.LAST, S.RESOLVED, OFFICERS, (approved_if_required,)),
    Transition(A.RECORD_RESULT, (S.RESOLVED,), C.ANY, None, OFFICERS),
    Transition(A.RETURN_RESULT, (S.RESOLVED,), C.ANY, S.RETURNED, _who(RECEPTION, CLERK, SYSTEM),
               (result_recorded,)),
    Transition(A.WITHDRAW, (S.SUBMITTED, *IN_PROCESS), C.ANY, S.WITHDRAWN, _who(APPLICANT, RECEPTION)),
    Transition(A.STOP, IN_PROCESS, C.AT_STEP, S.STOPPED, _who(LEADER, SYSTEM)),
    Transition(A.APOLOGISE, IN_PROCESS, C.AT_STEP, None, _who(LEADER), (no_apology_yet, one_working_day_ahead)),
)
"""Every legal move. A (action, status) pair not listed here is refused with `action_not_allowed_in_status`."""


def _rows_by_action() -> dict[DossierAction, tuple[Transition, ...]]:
    rows: dict[DossierAction, list[Transition]] = {a: [] for a in DossierAction}
    for row in TRANSITIONS:
        rows[row.action].append(row)
    return {a: tuple(r) for a, r in rows.items()}


_ROWS = _rows_by_action()


# ---- selection ----------------------------------------------------------------------------------------


def _where(state: DossierState) -> str:
    if state.current_step is not None:
        return f" at step {state.current_step + 1} of {len(state.steps)}"
    return " before receipt" if state.received_at is None else ""


def _step_refusal(row: Transition, state: DossierState) -> Refusal:
    if row.step in (C.NOT_LAST, C.NOT_FIRST, C.LAST) and state.current_step is not None:
        code = {C.NOT_LAST: ErrorCode.NO_NEXT_STEP, C.NOT_FIRST: ErrorCode.NO_PREVIOUS_STEP,
                C.LAST: ErrorCode.NOT_LAST_STEP}[row.step]
        reason = {C.NOT_LAST: "it is at the last step, there is no next step",
                  C.NOT_FIRST: "it is at the first step, there is no previous step",
                  C.LAST: "it is not at the last step"}[row.step]
        return code, reason
    phase = "before receipt" if row.step is C.INTAKE else "after receipt"
    return ErrorCode.ACTION_NOT_ALLOWED_IN_STATUS, f"this action is only allowed {phase}"


def _select(state: DossierState, action: DossierAction, actor: Actor) -> Transition | Refusal:
    in_status = [r for r in _ROWS[action] if state.status in r.from_statuses]
    if not in_status:
        return ErrorCode.ACTION_NOT_ALLOWED_IN_STATUS, "the action is not allowed in this status"
    fitting = [r for r in in_status if r.step.holds(state)]
    if not fitting:
        return _step_refusal(in_status[0], state)
    for row in fitting:
        if actor in row.roles:
            return row
    return ErrorCode.ROLE_NOT_ALLOWED, f"the role {actor.value!r} may not do it"


def _error(state: DossierState, action: DossierAction, refusal: Refusal) -> TransitionError:
    code, reason = refusal
    return TransitionError(
        code, f"Cannot {action.value} a dossier in status {state.status.describe()}{_where(state)}: {reason}.",
        action=action, status=state.status)


def _check_guards(state: DossierState, row: Transition, now: datetime | None,
                  calendar: WorkCalendar | None) -> Refusal | None:
    for guard in row.guards:
        refusal = guard(state, now, calendar)
        if refusal is not None:
            return refusal
    return None


def allowed_actions(state: DossierState, actor_role: Actor, at: datetime | None = None,
                    calendar: WorkCalendar | None = None) -> list[DossierAction]:
    """The actions `actor_role` may take now (the buttons to show), in `DossierAction` order.

    Guards that depend on time (the apology's one-working-day rule) are checked only when `at` and
    `calendar` are given. Parameters are not checked: a listed action can still be refused for a
    missing or invalid parameter.
    """
    allowed: list[DossierAction] = []
    for action in DossierAction:
        row = _select(state, action, actor_role)
        if isinstance(row, Transition) and _check_guards(state, row, at, calendar) is None:
            allowed.append(action)
    return allowed


# ---- effects ------------------------------------------------------------------------------------------

Payload = dict[str, PayloadValue]
Effect = Callable[[DossierState, Context, DossierAction], tuple[DossierState, Payload]]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _hours(amount: timedelta) -> str:
    return f"{amount.total_seconds() / 3600:g}"


def _with_step(steps: tuple[StepState, ...], step: StepState) -> tuple[StepState, ...]:
    return tuple(step if s.index == step.index else s for s in steps)


def _fail(state: DossierState, action: DossierAction, code: ErrorCode, reason: str) -> TransitionError:
    return _error(state, action, (code, reason))


def _receive(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    now, calendar = ctx.now, ctx.calendar
    due = calendar.due(now, state.limit)
    steps = plan_from_receipt(state.steps, now, due, calendar)
    first = start_step(steps[0], now, calendar, holder=ctx.holder)
    state = replace(state, received_at=now, submitted_at=state.submitted_at or now, due_at=due, original_due_at=due,
                    steps=_with_step(steps, first), current_step=0, paused_at=None)
    return state, {"received_at": _iso(now), "due_at": _iso(due), "step_due_at": _iso(first.due_at),
                   "holder": first.holder}


def _request_supplement(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if state.received_at is None:
        count = state.supplement_requests_at_intake + 1
        return replace(state, paused_at=ctx.now, supplement_requests_at_intake=count), {"request_number": count}
    count = state.supplement_requests_in_processing + 1
    forced = count > 1
    state = replace(state, paused_at=ctx.now, supplement_requests_in_processing=count, forced_late=forced)
    return state, {"request_number": count, "forced_late": forced, "due_at": _iso(state.due_at)}


def _resume(state: DossierState, ctx: Context) -> tuple[DossierState, Payload]:
    before = state.due_at
    state, paused = resume_clock(state, ctx.now, ctx.calendar)
    return state, {"paused_working_seconds": int(paused.total_seconds()), "due_at_before": _iso(before),
                   "due_at": _iso(state.due_at), "original_due_at": _iso(state.original_due_at)}


def _supplement(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if state.received_at is None:
        return replace(state, paused_at=None), {}
    return _resume(state, ctx)


def _end(state: DossierState, now: datetime) -> DossierState:
    steps = state.steps
    if state.current_step is not None:
        steps = _with_step(steps, replace(steps[state.current_step], finished_at=now))
    return replace(state, steps=steps, current_step=None, paused_at=None, finished_at=now)


def _finish(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    return _end(state, ctx.now), {}


def _current(state: DossierState) -> StepState:
    assert state.current_step is not None  # guaranteed by the step condition of the row
    return state.steps[state.current_step]


def _assign(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if not ctx.holder:
        raise _fail(state, action, ErrorCode.MISSING_PARAMETER, "the officer to assign (holder) is missing")
    step = _current(state)
    state = replace(state, steps=_with_step(state.steps, replace(step, holder=ctx.holder)))
    return state, {"holder": ctx.holder, "previous_holder": step.holder}


def _hand_over(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if ctx.to_unit == "":
        raise _fail(state, action, ErrorCode.INVALID_PARAMETER, "the target unit must not be empty")
    step = replace(_current(state), finished_at=ctx.now)
    following = start_step(state.steps[step.index + 1], ctx.now, ctx.calendar, holder=ctx.holder,
                           unit_ref=ctx.to_unit)
    steps = _with_step(_with_step(state.steps, step), following)
    state = replace(state, steps=steps, current_step=following.index)
    return state, {"from_unit": step.unit_ref, "to_unit": following.unit_ref, "holder": following.holder,
                   "step_due_at": _iso(following.due_at)}


def _send_back(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    current = _current(state)
    target_index = current.index - 1 if ctx.to_step is None else ctx.to_step
    if isinstance(target_index, bool) or not 0 <= target_index < current.index:
        raise _fail(state, action, ErrorCode.INVALID_PARAMETER,
                    f"a dossier can only be sent back to an earlier step (1 to {current.index}), "
                    f"not to step {target_index + 1}")
    steps = tuple(
        replace(s, started_at=None, due_at=None, finished_at=None) if target_index < s.index <= current.index else s
        for s in state.steps
    )
    target = start_step(steps[target_index], ctx.now, ctx.calendar, holder=ctx.holder)
    state = replace(state, steps=_with_step(steps, target), current_step=target_index, approved=False)
    return state, {"from_unit": current.unit_ref, "to_unit": target.unit_ref, "holder": target.holder,
                   "step_due_at": _iso(target.due_at)}


def _request_payment(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    return replace(state, paused_at=ctx.now), {}


def _record_payment(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    state, payload = _resume(state, ctx)
    return replace(state, payments_recorded=state.payments_recorded + 1), payload


def _approve(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    return replace(state, approved=True), {}


def _record_result(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if ctx.electronic is None:
        raise _fail(state, action, ErrorCode.MISSING_PARAMETER, "say whether the result is electronic")
    if state.status is Status.RESOLVED:  # more documents, e.g. the digitized copy of a paper result
        return replace(state, result_electronic=state.result_electronic or ctx.electronic), {
            "electronic": ctx.electronic}
    state = replace(_end(state, ctx.now), result_recorded=True, result_electronic=ctx.electronic)
    return state, {"electronic": ctx.electronic, "finished_at": _iso(ctx.now)}


def _return_result(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    if ctx.channel is None:
        raise _fail(state, action, ErrorCode.MISSING_PARAMETER,
                    "the return channel (desk, post, electronic) is missing")
    channel = ReturnChannel(ctx.channel)
    if channel is ReturnChannel.ELECTRONIC and not state.result_electronic:
        raise _fail(state, action, ErrorCode.RESULT_NOT_ELECTRONIC,
                    "the result has no electronic document to return electronically")
    return replace(state, returned_at=ctx.now, return_channel=channel), {"channel": channel.value}


def _apologise(state: DossierState, ctx: Context, action: DossierAction) -> tuple[DossierState, Payload]:
    new = ctx.new_due_at
    if new is None:
        raise _fail(state, action, ErrorCode.MISSING_PARAMETER, "the new appointment date is missing")
    if new.tzinfo is None or new.utcoffset() is None:
        raise _fail(state, action, ErrorCode.INVALID_PARAMETER, "the new appointment must be a timezone-aware time")
    assert state.due_at is not None  # received: it has an appointment
    if new <= state.due_at:
        raise _fail(state, action, ErrorCode.APOLOGY_DATE_NOT_AFTER_DUE,
                    f"the new appointment {new.isoformat()} must be after the current one {state.due_at.isoformat()}")
    previous = state.due_at
    state = replace(state, promised_due_at=new, due_at=new, apologised=True)
    return state, {"due_at_before": _iso(previous), "promised_due_at": _iso(new)}


_EFFECTS: dict[DossierAction, Effect] = {
    A.RECEIVE: _receive,
    A.ACCEPT: _receive,
    A.REQUEST_SUPPLEMENT: _request_supplement,
    A.SUPPLEMENT: _supplement,
    A.REFUSE: _finish,
    A.ASSIGN: _assign,
    A.HAND_OVER: _hand_over,
    A.SEND_BACK: _send_back,
    A.REQUEST_PAYMENT: _request_payment,
    A.RECORD_PAYMENT: _record_payment,
    A.APPROVE: _approve,
    A.RECORD_RESULT: _record_result,
    A.RETURN_RESULT: _return_result,
    A.WITHDRAW: _finish,
    A.STOP: _finish,
    A.APOLOGISE: _apologise,
}


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"'now' must be a timezone-aware datetime, got naive {now.isoformat()}")


def apply(state: DossierState, action: DossierAction | str, ctx: Context) -> Transitioned:
    """Apply `action` as `ctx.actor_role` at `ctx.now`: the new state and the event, or `TransitionError`."""
    action = DossierAction(action)
    _check_now(ctx.now)
    if ctx.now < state.last_event_at:
        raise _fail(state, action, ErrorCode.TIME_BEFORE_LAST_CHANGE,
                    f"{ctx.now.isoformat()} is before the dossier's last change {state.last_event_at.isoformat()}")
    row = _select(state, action, ctx.actor_role)
    if not isinstance(row, Transition):
        raise _error(state, action, row)
    refusal = _check_guards(state, row, ctx.now, ctx.calendar)
    if refusal is not None:
        raise _error(state, action, refusal)
    new_state, payload = _EFFECTS[action](state, ctx, action)
    to_status = state.status if row.to_status is None else row.to_status
    new_state = replace(new_state, status=to_status, last_event_at=ctx.now)
    if ctx.reason:
        payload["reason"] = ctx.reason
    event = TransitionEvent(action=action, at=ctx.now, actor_role=ctx.actor_role, from_status=state.status,
                            to_status=to_status, from_step=state.current_step, to_step=new_state.current_step,
                            payload=payload)
    return Transitioned(new_state, event)


def new_dossier(
    limit: Limit,
    steps: Sequence[StepTemplate],
    received_at: datetime,
    calendar: WorkCalendar,
    channel: Channel,
    online: bool,
    actor_role: Actor | None = None,
    holder: str | None = None,
) -> Transitioned:
    """A new dossier and its first event.

    * `online=True`: submitted online at `received_at` (the submission instant): status 1, no appointment
      yet; the event is `submit_online` by the applicant. The appointment is set by `accept`/`receive`.
    * `online=False` (counter or post): received at `received_at` by a reception officer: status 4 at the
      first step, appointment `calendar.due(received_at, limit)`; the event is `receive` (from no status).
    `steps` must not be empty (a procedure without internal steps gets one step with the whole limit).
    """
    _check_now(received_at)
    if not steps:
        raise ValueError("a dossier needs at least one process step")
    if channel is Channel.ONLINE and not online:
        raise ValueError("a dossier on the online channel must be submitted online")
    action = A.SUBMIT_ONLINE if online else A.RECEIVE
    actor: Actor = actor_role if actor_role is not None else (APPLICANT if online else RECEPTION)
    row = next(r for r in _ROWS[action] if not r.from_statuses)
    state = DossierState(status=S.SUBMITTED, limit=limit, channel=channel, online=online,
                         steps=steps_from_templates(tuple(steps)), last_event_at=received_at, submitted_at=received_at)
    if actor not in row.roles:
        raise _error(state, action, (ErrorCode.ROLE_NOT_ALLOWED, f"the role {actor.value!r} may not do it"))
    payload: Payload = {"channel": channel.value, "online": online}
    if not online:
        state, received = _receive(state, Context(now=received_at, actor_role=actor, calendar=calendar,
                                                  holder=holder), action)
        payload.update(received)
    assert row.to_status is not None
    state = replace(state, status=row.to_status)
    event = TransitionEvent(action=action, at=received_at, actor_role=actor, from_status=None, to_status=state.status,
                            from_step=None, to_step=state.current_step, payload=payload)
    return Transitioned(state, event)
