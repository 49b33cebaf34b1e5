"""The pure lateness-alert rule: at risk (as the worklist), apology window (approaching, closed), the apology
deadline and the draft's proposed date — table tests and a Hypothesis property tying them to the state
machine's apology guard and to the worklist's risk label."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import (
    ONE_WORKING_DAY,
    ActorKind,
    DossierAction,
    DossierState,
    TransitionError,
    apply,
    at_risk_from,
    overdue_from,
)
from motcua.dossiers.domain.alerts import (
    DEFAULT_APOLOGY_LEAD,
    AlertKind,
    ApologyWindow,
    apology_deadline,
    evaluate,
)
from motcua.dossiers.domain.transitions import allowed_actions
from motcua.dossiers.worklists import Risk, risk_of
from tests.dossiers.domain.conftest import (
    APPLICANT,
    CALENDAR,
    LEADER,
    RECEPTION,
    SPECIALIST,
    A,
    act,
    counter,
    ctx,
    local,
)

US = timedelta(microseconds=1)
# Running example: 2wd = 16 h (reception 2 h, appraisal 10 h, approval 4 h), received Mon 2 Mar 2026 09:00,
# due Wed 4 Mar 09:00. An apology needs 8 working hours left: last moment Tue 3 Mar 09:00; with the default
# lead of 4 working hours it is "approaching" from Mon 2 Mar 15:00 (Mon 15–17 + Tue 07–09).
RECEIVED = local("2026-03-02 09:00")


def _state(case: str) -> DossierState:
    s = counter(RECEIVED)
    if case == "handed_early":
        s = act(s, A.HAND_OVER, RECEPTION, local("2026-03-02 09:30"))
    elif case == "apologised":
        s = act(s, A.APOLOGISE, LEADER, local("2026-03-02 10:00"), new_due_at=local("2026-03-06 17:00"))
    elif case == "paused":
        s = act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-03-02 15:00"))
    elif case == "resolved":
        now = local("2026-03-02 10:00")
        s = act(act(s, A.HAND_OVER, RECEPTION, now), A.HAND_OVER, SPECIALIST, now)
        s = act(act(s, A.APPROVE, LEADER, now), A.RECORD_RESULT, LEADER, now, electronic=False)
    elif case == "withdrawn":
        s = act(s, A.WITHDRAW, APPLICANT, local("2026-03-02 10:00"))
    return s


@pytest.mark.parametrize(
    ("case", "at", "at_risk", "window", "kinds", "deadline", "proposed"),
    [
        # Within the reception share: in time, apology far away.
        ("at_reception", "2026-03-02 09:30", False, "open", (), "2026-03-03 09:00", None),
        # Reception share overrun: at risk; the apology deadline is 5.5 working hours away (more than 4).
        ("at_reception", "2026-03-02 11:30", True, "open", ("at_risk",), "2026-03-03 09:00", "2026-03-04 09:30"),
        # One minute before the lead time: still open.
        ("at_reception", "2026-03-02 14:59", True, "open", ("at_risk",), "2026-03-03 09:00", "2026-03-04 10:59"),
        # Exactly 4 working hours before the deadline: approaching (inclusive); needed 14 h from Mon 15:00.
        ("at_reception", "2026-03-02 15:00", True, "closing", ("at_risk", "apology_due"), "2026-03-03 09:00",
         "2026-03-04 11:00"),
        # In the evening the margin does not shrink (still 2 h, approaching).
        ("at_reception", "2026-03-02 20:00", True, "closing", ("at_risk", "apology_due"), "2026-03-03 09:00",
         "2026-03-04 15:00"),
        # The last moment itself: margin zero, still possible.
        ("at_reception", "2026-03-03 09:00", True, "closing", ("at_risk", "apology_due"), "2026-03-03 09:00",
         "2026-03-04 17:00"),
        # A microsecond later: no longer possible (the worklist still says at risk: not overdue yet).
        ("at_reception", "2026-03-03 09:00:00.000001", True, "closed", ("at_risk",), None, None),
        # Past the appointment: overdue, not "at risk" in the worklist's sense, apology impossible.
        ("at_reception", "2026-03-04 09:00:00.000001", False, "closed", (), None, None),
        # Handed over early: in time, so no apology alert even though the deadline approaches.
        ("handed_early", "2026-03-02 15:00", False, "closing", (), "2026-03-03 09:00", None),
        # Already apologised: at most once.
        ("apologised", "2026-03-02 15:00", True, "given", ("at_risk",), None, None),
        # Paused with the share overrun: at risk from the pause; the window does not close while paused.
        ("paused", "2026-03-02 16:00", True, "open", ("at_risk",), None, "2026-03-04 11:00"),
        # Finished or withdrawn: nothing.
        ("resolved", "2026-03-02 15:00", False, "none", (), None, None),
        ("withdrawn", "2026-03-02 15:00", False, "none", (), None, None),
    ],
)
def test_verdict_table(case: str, at: str, at_risk: bool, window: str, kinds: tuple[str, ...],
                       deadline: str | None, proposed: str | None) -> None:
    state = _state(case)
    v = evaluate(state, local(at), CALENDAR)
    assert v.at_risk is at_risk
    assert v.apology is ApologyWindow(window)
    assert tuple(k.value for k in v.kinds) == kinds
    assert v.apology_deadline == (local(deadline) if deadline else None)
    assert v.proposed_due_at == (local(proposed) if proposed else None)
    if proposed:
        assert state.due_at is not None and v.proposed_due_at is not None and v.proposed_due_at > state.due_at


def test_lead_time_is_configurable() -> None:
    state = _state("at_reception")
    at = local("2026-03-02 13:30")  # 5.5 working hours before the apology deadline
    assert evaluate(state, at, CALENDAR).apology is ApologyWindow.OPEN
    assert evaluate(state, at, CALENDAR, lead=timedelta(hours=6)).apology is ApologyWindow.CLOSING
    assert evaluate(state, local("2026-03-03 09:00"), CALENDAR, lead=timedelta(0)).apology is ApologyWindow.CLOSING
    with pytest.raises(ValueError, match="negative"):
        evaluate(state, at, CALENDAR, lead=-timedelta(hours=1))


def test_deadline_on_the_close_of_office_hours_is_the_next_opening() -> None:
    # Received Mon 07:00 → due Tue 17:00; 8 working hours before it is Mon 17:00, and the office is closed
    # until Tue 07:00: apologising at Tue 07:00 still leaves exactly 8 working hours.
    state = counter(local("2026-03-02 07:00"))
    assert state.due_at == local("2026-03-03 17:00")
    assert apology_deadline(state, local("2026-03-02 16:00"), CALENDAR) == local("2026-03-03 07:00")
    assert evaluate(state, local("2026-03-02 23:00"), CALENDAR).apology is ApologyWindow.CLOSING
    assert A.APOLOGISE in allowed_actions(state, LEADER, local("2026-03-03 07:00"), CALENDAR)
    assert A.APOLOGISE not in allowed_actions(state, LEADER, local("2026-03-03 07:00") + US, CALENDAR)
    assert evaluate(state, local("2026-03-03 07:00") + US, CALENDAR).apology is ApologyWindow.CLOSED


# ---- property: agreement with the apology guard, the worklist's risk label and the draft ---------------

ACTIONS: list[tuple[DossierAction, Role | ActorKind]] = [
    (A.HAND_OVER, RECEPTION), (A.HAND_OVER, SPECIALIST), (A.HAND_OVER, LEADER), (A.APPROVE, LEADER),
    (A.REQUEST_SUPPLEMENT, SPECIALIST), (A.SUPPLEMENT, APPLICANT), (A.REQUEST_PAYMENT, SPECIALIST),
    (A.RECORD_PAYMENT, RECEPTION), (A.APOLOGISE, LEADER),
]


@st.composite
def histories(draw: st.DrawFn) -> tuple[DossierState, datetime]:
    start = RECEIVED + timedelta(minutes=draw(st.integers(0, 60 * 24 * 6)))
    state = counter(start)
    for _ in range(draw(st.integers(0, 5))):
        action, role = draw(st.sampled_from(ACTIONS))
        now = state.last_event_at + timedelta(minutes=draw(st.integers(0, 60 * 30)))
        params = {"new_due_at": (state.due_at or now) + timedelta(days=3)} if action is A.APOLOGISE else {}
        try:
            state = apply(state, action, ctx(now, role, **params)).state
        except TransitionError:
            continue
    at = state.last_event_at + timedelta(minutes=draw(st.integers(0, 60 * 24 * 5)), seconds=draw(st.integers(0, 59)))
    return state, at


def _risk(state: DossierState, at: datetime) -> Risk:
    return risk_of({"status": int(state.status), "overdue_from": overdue_from(state),
                    "at_risk_from": at_risk_from(state, CALENDAR), "finished_at": state.finished_at,
                    "original_due_at": state.original_due_at, "forced_late": state.forced_late}, at)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from([timedelta(0), timedelta(hours=2), DEFAULT_APOLOGY_LEAD, timedelta(hours=12)]))
def test_verdict_agrees_with_the_guard_the_worklist_and_the_draft(history: tuple[DossierState, datetime],
                                                                  lead: timedelta) -> None:
    state, at = history
    v = evaluate(state, at, CALENDAR, lead)
    # "At risk" is exactly the worklist's label.
    assert v.at_risk == (_risk(state, at) is Risk.AT_RISK)
    # The window says whether the state machine would accept an apology now.
    assert v.apology.possible == (A.APOLOGISE in allowed_actions(state, LEADER, at, CALENDAR)
                                  and state.current_step is not None)
    if v.apology is ApologyWindow.CLOSING:
        assert state.paused_at is None and v.apology_deadline is not None and at <= v.apology_deadline
        assert CALENDAR.working_time_between(at, v.apology_deadline) <= lead
        # The deadline is the last instant the guard accepts.
        assert A.APOLOGISE in allowed_actions(state, LEADER, v.apology_deadline, CALENDAR)
        assert A.APOLOGISE not in allowed_actions(state, LEADER, v.apology_deadline + US, CALENDAR)
    if v.apology is ApologyWindow.OPEN and state.paused_at is None:
        assert v.apology_margin is not None and v.apology_margin > lead
    if AlertKind.APOLOGY_DUE in v.kinds:
        assert v.will_be_late and v.apology is ApologyWindow.CLOSING
        # The draft's date is a valid apology now, and later than the appointment.
        assert v.proposed_due_at is not None and state.due_at is not None and v.proposed_due_at > state.due_at
        after = apply(state, A.APOLOGISE, ctx(at, LEADER, new_due_at=v.proposed_due_at)).state
        assert after.apologised and after.due_at == v.proposed_due_at
    if v.apology is ApologyWindow.CLOSED:
        assert v.apology_margin is not None and v.apology_margin < timedelta(0)
        assert CALENDAR.working_time_between(min(at, state.paused_at or at), state.due_at or at) < ONE_WORKING_DAY
