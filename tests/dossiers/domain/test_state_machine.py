"""Random lives of a dossier: random actions by random actors at random, advancing times.

After every step: the status, step, pause, finish and lateness fields agree; due times only move the
documented ways; the events chain; `allowed_actions` predicts exactly what `apply` accepts.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from motcua.dossiers.domain import (
    FINISHED_STATUSES,
    PAUSED_STATUSES,
    TERMINAL_STATUSES,
    Actor,
    Channel,
    DossierAction,
    DossierState,
    ErrorCode,
    ReturnChannel,
    Status,
    StepTemplate,
    Timeliness,
    TransitionError,
    TransitionEvent,
    allowed_actions,
    apply,
    at_risk,
    new_dossier,
    remaining_working_time,
    state_from_json,
    state_to_json,
    step_timeliness,
    timeliness_of,
)
from motcua.workcalendar.domain import parse_limit

from .conftest import ALL_ACTORS, CALENDAR, LEADER, RECEPTION, SPECIALIST, VN, A, ctx

START = datetime(2026, 3, 2, 7, 0, tzinfo=VN)
ROLES_OF_STEPS = st.sampled_from([RECEPTION, SPECIALIST, LEADER])
STEP_LISTS = st.lists(st.builds(StepTemplate, st.sampled_from(["a", "b", "c"]), ROLES_OF_STEPS,
                                st.sampled_from(["u1", "u2"]), st.integers(1, 12)), min_size=1, max_size=4)
ADVANCES = st.one_of(st.just(timedelta(0)), st.timedeltas(timedelta(0), timedelta(hours=6)),
                     st.timedeltas(timedelta(0), timedelta(days=4)))
ENDINGS = {A.WITHDRAW, A.STOP, A.REFUSE}
PARAM_CODES = {ErrorCode.INVALID_PARAMETER, ErrorCode.MISSING_PARAMETER, ErrorCode.RESULT_NOT_ELECTRONIC}


def params(state: DossierState, action: DossierAction, data: st.DataObject) -> dict[str, Any]:
    """Valid parameters (except possibly the return channel) for `action`."""
    if action is A.ASSIGN:
        return {"holder": data.draw(st.sampled_from(["o1", "o2"]))}
    if action is A.HAND_OVER:
        return {"to_unit": data.draw(st.none() | st.just("u9")), "holder": data.draw(st.none() | st.just("o3"))}
    if action is A.SEND_BACK and state.current_step:
        return {"to_step": data.draw(st.none() | st.integers(0, state.current_step - 1))}
    if action is A.RECORD_RESULT:
        return {"electronic": data.draw(st.booleans())}
    if action is A.RETURN_RESULT:
        return {"channel": data.draw(st.sampled_from(ReturnChannel))}
    if action is A.APOLOGISE and state.due_at is not None:
        return {"new_due_at": state.due_at + data.draw(st.timedeltas(timedelta(minutes=1), timedelta(days=10)))}
    return {}


class DossierLife(RuleBasedStateMachine):
    state: DossierState
    events: list[TransitionEvent]
    now: datetime

    @initialize(online=st.booleans(), steps=STEP_LISTS, limit=st.sampled_from(["1wd", "3wd", "16wh", "5d", "sameday"]),
                offset=st.timedeltas(timedelta(0), timedelta(days=20)))
    def create(self, online: bool, steps: list[StepTemplate], limit: str, offset: timedelta) -> None:
        self.now = START + offset
        created = new_dossier(parse_limit(limit), steps, self.now, CALENDAR,
                              Channel.ONLINE if online else Channel.DIRECT, online)
        self.state = created.state
        self.events = [created.event]

    def _apply(self, action: DossierAction, actor: Actor, advance: timedelta, data: st.DataObject) -> None:
        before = self.state
        now = self.now + advance
        predicted = action in allowed_actions(before, actor, now, CALENDAR)
        try:
            result = apply(before, action, ctx(now, actor, **params(before, action, data)))
        except TransitionError as error:
            assert error.status is before.status and error.action is action
            assert not predicted or error.code in PARAM_CODES, (error.code, predicted)
            event(f"refused {error.code.value}")
            return
        assert predicted, f"{action} by {actor} succeeded but was not offered"
        event(f"applied {action.value} in {before.status.value}")
        self.now = now
        self.state = result.state
        self._check_step(before, result.state, result.event)
        self.events.append(result.event)

    @precondition(lambda self: self.state.status not in TERMINAL_STATUSES)
    @rule(data=st.data(), advance=ADVANCES)
    def offered_action(self, data: st.DataObject, advance: timedelta) -> None:
        """An action `allowed_actions` offers to someone at that time."""
        now = self.now + advance
        offered = [(action, actor) for actor in ALL_ACTORS for action in allowed_actions(self.state, actor, now,
                                                                                             CALENDAR)]
        if data.draw(st.integers(0, 9), label="allow ending") > 0:  # mostly keep the dossier alive
            offered = [(action, actor) for action, actor in offered if action not in ENDINGS] or offered
        if offered:
            action, actor = data.draw(st.sampled_from(offered))
            self._apply(action, actor, advance, data)

    @rule(action=st.sampled_from(DossierAction), actor=st.sampled_from(ALL_ACTORS), advance=ADVANCES,
          data=st.data())
    def any_action(self, action: DossierAction, actor: Actor, advance: timedelta, data: st.DataObject) -> None:
        self._apply(action, actor, advance, data)

    def _check_step(self, before: DossierState, after: DossierState, event: TransitionEvent) -> None:
        assert (event.from_status, event.to_status) == (before.status, after.status)
        assert (event.from_step, event.to_step) == (before.current_step, after.current_step)
        assert event.at == after.last_event_at >= before.last_event_at
        # Due times only move later: on resumption (by the paused working time) and on an apology.
        for name in ("original_due_at", "due_at", "promised_due_at"):
            old, new = getattr(before, name), getattr(after, name)
            if old is not None:
                assert new is not None and new >= old, name
        if before.original_due_at is not None and after.original_due_at != before.original_due_at:
            assert before.paused_at is not None and after.paused_at is None
            paused = CALENDAR.working_time_between(before.paused_at, event.at)
            assert after.original_due_at == CALENDAR.add_working_time(before.original_due_at, paused)
            assert event.payload["paused_working_seconds"] == int(paused.total_seconds())
        if before.received_at is not None:
            assert after.received_at == before.received_at
        if before.finished_at is not None:
            assert after.finished_at == before.finished_at

    @invariant()
    def events_chain(self) -> None:
        assert self.events[0].from_status is None
        for previous, following in zip(self.events, self.events[1:], strict=False):
            assert previous.to_status is following.from_status
            assert previous.to_step == following.from_step
            assert previous.at <= following.at
        assert self.events[-1].to_status is self.state.status

    @invariant()
    def fields_agree(self) -> None:
        s = self.state
        assert s.status is not Status.RECEIVED
        received = s.received_at is not None
        assert (s.current_step is not None) == (received and s.status not in FINISHED_STATUSES)
        assert (s.current_step is not None) == (s.status in (Status.PROCESSING, Status.AWAITING_PAYMENT) or (
            s.status is Status.AWAITING_SUPPLEMENT and received))
        assert (s.paused_at is not None) == (s.status in PAUSED_STATUSES)
        assert (s.finished_at is not None) == (s.status in FINISHED_STATUSES)
        assert (s.returned_at is not None) == (s.status is Status.RETURNED)
        assert s.forced_late == (s.supplement_requests_in_processing > 1)
        assert s.apologised == (s.promised_due_at is not None)
        assert (s.original_due_at is not None) == received
        assert s.due_at == (s.promised_due_at if s.promised_due_at is not None else s.original_due_at)
        if s.promised_due_at is not None and s.original_due_at is not None:
            assert s.promised_due_at >= s.original_due_at
        if s.status in (Status.RESOLVED, Status.RETURNED):
            assert s.result_recorded and (not s.requires_approval or s.approved)
        if s.current_step is not None:
            step = s.steps[s.current_step]
            assert step.started_at is not None and step.due_at is not None and step.finished_at is None
            assert all(later.started_at is None for later in s.steps[s.current_step + 1:])
            assert all(earlier.finished_at is not None for earlier in s.steps[:s.current_step])
        if received:
            assert all(step.planned_due_at is not None for step in s.steps)

    @invariant()
    def state_round_trips_through_json(self) -> None:
        assert state_from_json(json.loads(json.dumps(state_to_json(self.state)))) == self.state

    @invariant()
    def judgements_are_consistent(self) -> None:
        s, at = self.state, self.now
        judged = timeliness_of(s, at)
        if s.original_due_at is None or s.status in (Status.NOT_RECEIVED, Status.WITHDRAWN, Status.STOPPED):
            assert judged is None
        elif s.status in (Status.RESOLVED, Status.RETURNED):
            assert judged in (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE)
            assert judged is Timeliness.LATE or not s.forced_late
        else:
            assert judged in (Timeliness.IN_TIME, Timeliness.OVERDUE)
            assert judged is Timeliness.OVERDUE or not s.forced_late
        remaining = remaining_working_time(s, at, CALENDAR)
        assert (remaining is None) == (s.original_due_at is None or s.finished_at is not None)
        if remaining is not None and remaining < timedelta(0):
            assert at_risk(s, at, CALENDAR)
        for step in s.steps:
            step_timeliness(step, at, paused_at=s.paused_at)


DossierLife.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestDossierLife = DossierLife.TestCase
