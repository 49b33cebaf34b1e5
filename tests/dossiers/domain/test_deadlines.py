"""Deadlines, pauses, apologies and timeliness, with hand-computed expectations.

Calendar (see conftest): 07:00–11:30, 13:30–17:00 Mon–Fri; Mon 27 Apr, Thu 30 Apr, Fri 1 May 2026 off.
The running example: a 2wd dossier (16 h; steps reception 2 h, appraisal 10 h, approval 4 h) received at
the counter on Tue 28 Apr 2026 09:00. Working time: Tue 28 from 09:00 = 6 h (2.5 + 3.5), Wed 29 = 8 h,
then Thu–Sun off, Mon 4 May: 2 h → due Mon 4 May 09:00.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from motcua.dossiers.domain import (
    DossierState,
    ErrorCode,
    Granularity,
    Status,
    StepTemplate,
    Timeliness,
    TransitionError,
    apply,
    at_risk,
    compare,
    promise_timeliness,
    remaining_working_time,
    step_timeliness,
    timeliness_of,
)

from .conftest import (
    APPLICANT,
    CALENDAR,
    LEADER,
    RECEPTION,
    SPECIALIST,
    STEPS,
    A,
    act,
    counter,
    ctx,
    local,
    online,
)

RECEIVED = local("2026-04-28 09:00")
H = timedelta(hours=1)


def received() -> DossierState:
    return counter(RECEIVED)


def resolve(state: DossierState, at: str) -> DossierState:
    """Hand over to the last step, approve and record the result, all at `at`."""
    now = local(at)
    while state.current_step is not None and state.current_step < len(state.steps) - 1:
        state = act(state, A.HAND_OVER, SPECIALIST, now)
    state = act(state, A.APPROVE, LEADER, now)
    return act(state, A.RECORD_RESULT, LEADER, now, electronic=False)


# ---- appointment and planned step due times -----------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "due", "planned"),
    [
        ("2026-04-28 09:00", "2026-05-04 09:00", ["2026-04-28 11:00", "2026-04-29 15:00", "2026-05-04 09:00"]),
        # evening receipt: counting starts Wed 07:00; Thu 30/Fri 1 off, weekend → Mon 4 May
        ("2026-04-28 18:00", "2026-05-04 17:00", ["2026-04-29 09:00", "2026-05-04 11:00", "2026-05-04 17:00"]),
        # lunch break: counting starts 13:30; 3.5 h Mon 2 Mar, 8 h Tue, 4.5 h Wed → 11:30 exactly
        ("2026-03-02 12:00", "2026-03-04 11:30", ["2026-03-02 15:30", "2026-03-04 07:30", "2026-03-04 11:30"]),
        # the Hùng Kings day (Mon 27 Apr) is off: Fri 24 Apr 16:00 → 1 h Fri, 8 h Tue 28, 7 h Wed 29
        ("2026-04-24 16:00", "2026-04-29 16:00", ["2026-04-28 08:00", "2026-04-29 10:00", "2026-04-29 16:00"]),
    ],
)
def test_appointment_and_planned_step_due_times(received_at: str, due: str, planned: list[str]) -> None:
    state = counter(local(received_at))
    assert state.status is Status.PROCESSING and state.current_step == 0
    assert state.received_at == local(received_at)
    assert state.due_at == state.original_due_at == local(due)
    assert [s.planned_due_at for s in state.steps] == [local(p) for p in planned]
    first = state.steps[0]
    assert (first.started_at, first.due_at) == (local(received_at), local(planned[0]))
    assert all(s.started_at is None and s.due_at is None for s in state.steps[1:])


def test_planned_step_due_times_never_pass_a_calendar_day_appointment() -> None:
    steps = (StepTemplate("a", SPECIALIST, "x", 8), StepTemplate("b", SPECIALIST, "x", 8),
             StepTemplate("c", LEADER, "x", 16))
    state = counter(local("2026-03-02 09:00"), steps, "3d")
    assert state.due_at == local("2026-03-05 09:00")
    assert [s.planned_due_at for s in state.steps] == [local("2026-03-03 09:00"), local("2026-03-04 09:00"),
                                                       local("2026-03-05 09:00")]


def test_a_step_is_due_its_share_after_it_starts() -> None:
    state = act(received(), A.HAND_OVER, RECEPTION, local("2026-04-28 10:30"), to_unit="division-2", holder="u7")
    step = state.steps[1]
    # 10 h from Tue 10:30: 1 h + 3.5 h Tue, 4.5 h + 1 h Wed → Wed 14:30
    assert (step.started_at, step.due_at, step.unit_ref, step.holder) == (
        local("2026-04-28 10:30"), local("2026-04-29 14:30"), "division-2", "u7")
    assert state.steps[0].finished_at == local("2026-04-28 10:30")


def test_online_dossier_gets_its_appointment_on_accept() -> None:
    state = online(local("2026-04-28 09:00"))
    assert state.status is Status.SUBMITTED and state.due_at is None and state.current_step is None
    assert state.submitted_at == local("2026-04-28 09:00") and state.received_at is None
    state = act(state, A.ACCEPT, RECEPTION, local("2026-04-29 09:00"))
    # 16 h from Wed 29 09:00: 6 h Wed, 8 h Mon 4 May, 2 h Tue 5 May
    assert state.due_at == local("2026-05-05 09:00") and state.received_at == local("2026-04-29 09:00")
    assert state.submitted_at == local("2026-04-28 09:00")


# ---- clock pauses -------------------------------------------------------------------------------------


def test_supplement_moves_due_times_by_exactly_the_paused_working_time() -> None:
    state = act(received(), A.HAND_OVER, RECEPTION, local("2026-04-28 10:30"))
    state = act(state, A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-29 10:00"))
    assert state.status is Status.AWAITING_SUPPLEMENT and state.paused_at == local("2026-04-29 10:00")
    assert state.current_step == 1 and state.supplement_requests_in_processing == 1 and not state.forced_late
    result = apply(state, A.SUPPLEMENT, ctx(local("2026-05-04 14:00"), APPLICANT))
    state = result.state
    # Paused: Wed 10:00–11:30, 13:30–17:00 (5 h) + Mon 07:00–11:30, 13:30–14:00 (5 h) = 10 h
    assert result.event.payload["paused_working_seconds"] == 10 * 3600
    assert state.status is Status.PROCESSING and state.paused_at is None
    # Mon 4 May 09:00 + 10 h → 2.5 h + 3.5 h Mon, 4 h Tue → Tue 5 May 11:00
    assert state.due_at == state.original_due_at == local("2026-05-05 11:00")
    # current step: Wed 29 14:30 + 10 h → 2.5 h Wed, 4.5 h + 3 h Mon → Mon 16:30
    assert state.steps[1].due_at == local("2026-05-04 16:30")
    # planned: the finished step keeps its time; current and later ones move by 10 h
    assert [s.planned_due_at for s in state.steps] == [
        local("2026-04-28 11:00"), local("2026-05-04 17:00"), local("2026-05-05 11:00")]
    assert result.event.payload["due_at_before"] == local("2026-05-04 09:00").isoformat()


def test_a_pause_without_working_time_moves_nothing() -> None:
    """Requested and supplemented inside the lunch break: due times stay (not pushed to the next opening)."""
    state = counter(local("2026-03-02 12:00"))  # due Wed 4 Mar 11:30, the end of a working interval
    state = act(state, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-03-02 12:30"))
    state = act(state, A.SUPPLEMENT, RECEPTION, local("2026-03-02 13:00"))
    assert state.due_at == local("2026-03-04 11:30")  # not 13:30
    assert [s.planned_due_at for s in state.steps] == [
        local("2026-03-02 15:30"), local("2026-03-04 07:30"), local("2026-03-04 11:30")]


def test_payment_of_financial_obligations_pauses_the_clock_without_counting_as_a_supplement() -> None:
    state = act(received(), A.REQUEST_PAYMENT, SPECIALIST, local("2026-04-28 14:00"))
    assert state.status is Status.AWAITING_PAYMENT and state.paused_at == local("2026-04-28 14:00")
    state = act(state, A.RECORD_PAYMENT, RECEPTION, local("2026-04-29 09:00"))
    # paused Tue 14:00–17:00 (3 h) + Wed 07:00–09:00 (2 h) = 5 h; Mon 09:00 + 5 h → 2.5 h + 2.5 h → 16:00
    assert state.due_at == local("2026-05-04 16:00")
    assert state.supplement_requests_in_processing == 0 and not state.forced_late
    assert state.payments_recorded == 1


def test_second_supplement_request_in_processing_forces_late() -> None:
    state = act(received(), A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-28 10:00"))
    state = act(state, A.SUPPLEMENT, APPLICANT, local("2026-04-28 14:00"))
    assert not state.forced_late
    state = act(state, A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-28 15:00"))
    assert state.forced_late and state.supplement_requests_in_processing == 2
    state = act(state, A.SUPPLEMENT, APPLICANT, local("2026-04-28 16:00"))
    assert timeliness_of(state, local("2026-04-28 16:00")) is Timeliness.OVERDUE  # late whatever happens
    state = resolve(state, "2026-04-29 08:00")  # long before the appointment
    assert timeliness_of(state, local("2026-04-29 08:00")) is Timeliness.LATE


def test_supplement_at_intake_restarts_the_clock_at_receipt() -> None:
    state = online(local("2026-03-02 09:00"))
    state = act(state, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-03-02 10:00"))
    assert state.status is Status.AWAITING_SUPPLEMENT and state.current_step is None and state.due_at is None
    state = act(state, A.SUPPLEMENT, APPLICANT, local("2026-03-03 10:00"))
    assert state.status is Status.SUBMITTED and state.paused_at is None and state.due_at is None
    state = act(state, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-03-03 11:00"))
    state = act(state, A.SUPPLEMENT, APPLICANT, local("2026-03-03 14:00"))
    state = act(state, A.ACCEPT, RECEPTION, local("2026-03-04 14:00"))
    assert state.due_at == local("2026-03-06 14:00")  # 2 working days from the receipt, not the submission
    assert state.supplement_requests_at_intake == 2 and state.supplement_requests_in_processing == 0
    assert not state.forced_late


# ---- apology ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-04-28 16:00", True),
        ("2026-04-29 08:59", True),
        ("2026-04-29 09:00", True),  # exactly 8 working hours before Mon 4 May 09:00 (6 h Wed + 2 h Mon)
        ("2026-04-29 09:01", False),
        ("2026-05-04 08:00", False),
    ],
)
def test_apology_needs_one_working_day_before_the_appointment(at: str, allowed: bool) -> None:
    context = ctx(local(at), LEADER, new_due_at=local("2026-05-06 09:00"))
    if allowed:
        state = apply(received(), A.APOLOGISE, context).state
        assert state.apologised and state.promised_due_at == state.due_at == local("2026-05-06 09:00")
        assert state.original_due_at == local("2026-05-04 09:00")
    else:
        with pytest.raises(TransitionError) as caught:
            apply(received(), A.APOLOGISE, context)
        assert caught.value.code is ErrorCode.APOLOGY_TOO_LATE
        assert "apologise" in str(caught.value) and "status 4 (processing)" in str(caught.value)


def test_apology_while_paused_counts_from_the_pause() -> None:
    state = act(received(), A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-28 10:00"))
    # the clock stands at Tue 10:00 (15 working hours left), not at Wed 16:00 (3 h left)
    state = act(state, A.APOLOGISE, LEADER, local("2026-04-29 16:00"), new_due_at=local("2026-05-06 09:00"))
    assert state.status is Status.AWAITING_SUPPLEMENT and state.apologised


def test_apology_only_once_and_only_with_a_later_date() -> None:
    state = received()
    with pytest.raises(TransitionError) as caught:
        apply(state, A.APOLOGISE, ctx(local("2026-04-28 10:00"), LEADER, new_due_at=local("2026-05-04 09:00")))
    assert caught.value.code is ErrorCode.APOLOGY_DATE_NOT_AFTER_DUE
    with pytest.raises(TransitionError) as caught:
        apply(state, A.APOLOGISE, ctx(local("2026-04-28 10:00"), LEADER))
    assert caught.value.code is ErrorCode.MISSING_PARAMETER
    state = act(state, A.APOLOGISE, LEADER, local("2026-04-28 10:00"), new_due_at=local("2026-05-06 09:00"))
    with pytest.raises(TransitionError) as caught:
        apply(state, A.APOLOGISE, ctx(local("2026-04-28 10:00"), LEADER, new_due_at=local("2026-05-08 09:00")))
    assert caught.value.code is ErrorCode.APOLOGY_ALREADY_GIVEN


def test_after_an_apology_timeliness_is_judged_against_the_original_appointment() -> None:
    state = act(received(), A.APOLOGISE, LEADER, local("2026-04-28 10:00"), new_due_at=local("2026-05-06 09:00"))
    state = resolve(state, "2026-05-05 10:00")
    assert timeliness_of(state, local("2026-05-05 10:00")) is Timeliness.LATE
    assert promise_timeliness(state, local("2026-05-05 10:00")) is Timeliness.EARLY  # the promise was kept


def test_a_later_pause_moves_the_promised_date_too() -> None:
    state = act(received(), A.APOLOGISE, LEADER, local("2026-04-28 10:00"), new_due_at=local("2026-05-06 09:00"))
    state = act(state, A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-28 14:00"))
    state = act(state, A.SUPPLEMENT, APPLICANT, local("2026-04-28 16:00"))  # 2 h paused
    assert state.original_due_at == local("2026-05-04 11:00")
    assert state.promised_due_at == state.due_at == local("2026-05-06 11:00")


# ---- timeliness ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finished", "granularity", "expected"),
    [
        ("2026-05-04 08:59:59", "minute", Timeliness.EARLY),
        ("2026-05-04 09:00:00", "minute", Timeliness.ON_TIME),
        ("2026-05-04 09:00:59", "minute", Timeliness.ON_TIME),  # finished within the due minute
        ("2026-05-04 09:01:00", "minute", Timeliness.LATE),
        ("2026-05-04 09:00:30", "second", Timeliness.LATE),
        ("2026-05-04 09:00:00", "second", Timeliness.ON_TIME),
        ("2026-05-04 09:59:00", "hour", Timeliness.ON_TIME),
        ("2026-05-04 08:59:00", "hour", Timeliness.EARLY),
        ("2026-05-04 16:00:00", "day", Timeliness.ON_TIME),
        ("2026-05-05 07:00:00", "day", Timeliness.LATE),
    ],
)
def test_timeliness_of_a_resolved_dossier(finished: str, granularity: str, expected: Timeliness) -> None:
    state = resolve(received(), finished)
    assert state.status is Status.RESOLVED and state.finished_at == local(finished)
    assert timeliness_of(state, local("2026-06-01 00:00"), granularity) is expected
    returned = act(state, A.RETURN_RESULT, RECEPTION, local("2026-06-01 08:00"), channel="desk")
    assert timeliness_of(returned, local("2026-06-01 08:00"), Granularity(granularity)) is expected


def test_compare_truncates_in_the_time_zone_of_the_due_time() -> None:
    due = local("2026-05-04 06:30")  # 3 May 23:30 UTC
    finished = local("2026-05-04 16:00").astimezone(UTC)  # 4 May 09:00 UTC
    assert compare(finished, due, "day") is Timeliness.ON_TIME
    assert compare(finished, due.astimezone(UTC), "day") is Timeliness.LATE


@pytest.mark.parametrize(
    ("at", "expected"),
    [("2026-05-04 09:00:59", Timeliness.IN_TIME), ("2026-05-04 09:01", Timeliness.OVERDUE)],
)
def test_timeliness_in_progress(at: str, expected: Timeliness) -> None:
    assert timeliness_of(received(), local(at)) is expected


def test_a_paused_dossier_is_judged_with_the_clock_stopped() -> None:
    state = act(received(), A.REQUEST_SUPPLEMENT, SPECIALIST, local("2026-04-29 10:00"))
    assert timeliness_of(state, local("2026-06-01 10:00")) is Timeliness.IN_TIME
    assert remaining_working_time(state, local("2026-06-01 10:00"), CALENDAR) == 7 * H  # Wed 10:00 → Mon 09:00


def test_no_timeliness_without_appointment_or_result() -> None:
    assert timeliness_of(online(), local("2026-06-01 10:00")) is None
    withdrawn = act(received(), A.WITHDRAW, APPLICANT, local("2026-05-05 10:00"))
    assert timeliness_of(withdrawn, local("2026-06-01 10:00")) is None


def test_step_timeliness_attributes_lateness() -> None:
    state = act(received(), A.HAND_OVER, RECEPTION, local("2026-04-28 11:00:30"))  # reception due 11:00
    assert step_timeliness(state.steps[0], local("2026-05-01 00:00")) is Timeliness.ON_TIME
    state = act(state, A.HAND_OVER, SPECIALIST, local("2026-04-29 16:00"))
    appraisal = state.steps[1]
    assert appraisal.due_at == local("2026-04-29 15:00:30")  # 10 h from its start
    assert appraisal.planned_due_at == local("2026-04-29 15:00")
    assert step_timeliness(appraisal, local("2026-05-01 00:00")) is Timeliness.LATE
    assert step_timeliness(appraisal, local("2026-05-01 00:00"), planned=True) is Timeliness.LATE
    leader = state.steps[2]
    assert leader.due_at == local("2026-05-04 10:00")  # 4 h from Wed 16:00: 1 h Wed, 3 h Mon
    assert leader.planned_due_at == local("2026-05-04 09:00")
    assert step_timeliness(leader, local("2026-05-04 10:00:59")) is Timeliness.IN_TIME
    assert step_timeliness(leader, local("2026-05-04 10:01")) is Timeliness.OVERDUE
    assert step_timeliness(leader, local("2026-05-04 10:01"), planned=True) is Timeliness.OVERDUE
    assert step_timeliness(leader, local("2026-05-04 10:01"), paused_at=local("2026-05-04 08:00")) is (
        Timeliness.IN_TIME)
    assert step_timeliness(received().steps[2], local("2026-05-04 10:00")) is None  # not started


# ---- remaining time and risk --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "remaining_hours", "risky"),
    [
        ("2026-04-28 09:00", 16, False),
        ("2026-04-28 10:00", 15, False),  # on pace: 1 h of the 2 h reception share used
        ("2026-04-28 13:30", 13.5, True),  # still at reception after 2.5 h: 14 h of later steps remain
        ("2026-05-04 10:00", -1, True),
    ],
)
def test_remaining_working_time_and_risk(at: str, remaining_hours: float, risky: bool) -> None:
    state = received()
    assert remaining_working_time(state, local(at), CALENDAR) == remaining_hours * H
    assert at_risk(state, local(at), CALENDAR) is risky


def test_finished_dossiers_are_not_at_risk() -> None:
    state = resolve(received(), "2026-05-05 10:00")
    assert remaining_working_time(state, local("2026-05-05 10:00"), CALENDAR) is None
    assert not at_risk(state, local("2026-05-05 10:00"), CALENDAR)


def test_step_templates_are_the_running_example() -> None:
    assert [s.hours for s in STEPS] == [2, 10, 4]
