"""Effects of single actions: steps, approval, results, parameters, creation."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.dossiers.domain import (
    Actor,
    Channel,
    DossierAction,
    DossierState,
    ErrorCode,
    ReturnChannel,
    Status,
    StepTemplate,
    TransitionError,
    apply,
    new_dossier,
    state_from_json,
    state_to_json,
)
from motcua.workcalendar.domain import parse_limit

from .conftest import (
    APPLICANT,
    CALENDAR,
    CLERK,
    LEADER,
    LIMIT,
    RECEPTION,
    SPECIALIST,
    STEPS,
    SYSTEM,
    T0,
    A,
    act,
    counter,
    ctx,
    local,
)


def refused(state: DossierState, action: DossierAction, actor: Actor, **params: Any) -> ErrorCode:
    with pytest.raises(TransitionError) as caught:
        apply(state, action, ctx(state.last_event_at, actor, **params))
    return caught.value.code


def test_creation_events() -> None:
    created = new_dossier(LIMIT, list(STEPS), T0, CALENDAR, Channel.ONLINE, online=True)
    assert created.event.action is A.SUBMIT_ONLINE and created.event.actor_role is APPLICANT
    assert (created.event.from_status, created.event.to_status) == (None, Status.SUBMITTED)
    created = new_dossier(LIMIT, list(STEPS), T0, CALENDAR, Channel.POSTAL, online=False, holder="desk-1")
    assert created.event.action is A.RECEIVE and created.event.actor_role is RECEPTION
    assert (created.event.from_status, created.event.to_status, created.event.to_step) == (None, Status.PROCESSING, 0)
    assert created.state.steps[0].holder == "desk-1"
    assert created.event.payload["due_at"] == local("2026-03-04 09:00").isoformat()


def test_creation_is_checked() -> None:
    with pytest.raises(ValueError, match="at least one process step"):
        new_dossier(LIMIT, [], T0, CALENDAR, Channel.DIRECT, online=False)
    with pytest.raises(ValueError, match="online channel"):
        new_dossier(LIMIT, list(STEPS), T0, CALENDAR, Channel.ONLINE, online=False)
    with pytest.raises(TransitionError) as caught:
        new_dossier(LIMIT, list(STEPS), T0, CALENDAR, Channel.DIRECT, online=False, actor_role=SPECIALIST)
    assert caught.value.code is ErrorCode.ROLE_NOT_ALLOWED
    with pytest.raises(ValueError, match="timezone-aware"):
        new_dossier(LIMIT, list(STEPS), T0.replace(tzinfo=None), CALENDAR, Channel.DIRECT, online=False)


def test_assign_needs_an_officer() -> None:
    state = counter()
    assert refused(state, A.ASSIGN, LEADER) is ErrorCode.MISSING_PARAMETER
    result = apply(state, A.ASSIGN, ctx(T0, LEADER, holder="u1"))
    assert result.state.steps[0].holder == "u1" and result.event.payload == {"holder": "u1", "previous_holder": None}


def test_hand_over_to_another_unit() -> None:
    result = apply(counter(), A.HAND_OVER, ctx(T0, RECEPTION, to_unit="other-unit", holder="s1"))
    assert result.state.steps[1].unit_ref == "other-unit" and result.state.steps[1].holder == "s1"
    assert result.event.payload["from_unit"] == "desk" and result.event.payload["to_unit"] == "other-unit"
    assert refused(counter(), A.HAND_OVER, RECEPTION, to_unit="") is ErrorCode.INVALID_PARAMETER


def test_send_back_restarts_the_earlier_step_and_withdraws_the_approval() -> None:
    state = act(counter(), A.HAND_OVER, RECEPTION, T0, holder="s1")
    state = act(state, A.HAND_OVER, SPECIALIST, local("2026-03-02 10:00"), holder="l1")
    state = act(state, A.APPROVE, LEADER, local("2026-03-02 10:30"))
    assert refused(state, A.SEND_BACK, LEADER, to_step=2) is ErrorCode.INVALID_PARAMETER
    state = act(state, A.SEND_BACK, LEADER, local("2026-03-02 11:00"), reason="fix the draft")
    assert state.current_step == 1 and not state.approved
    appraisal, approval = state.steps[1], state.steps[2]
    assert appraisal.holder == "s1" and appraisal.started_at == local("2026-03-02 11:00")
    assert appraisal.due_at == local("2026-03-03 15:00")  # 10 h from Mon 11:00: 0.5 + 3.5 Mon, 4.5 + 1.5 Tue
    assert approval.started_at is approval.due_at is approval.finished_at is None and approval.holder == "l1"
    state = act(state, A.SEND_BACK, SPECIALIST, local("2026-03-02 11:10"), to_step=0)
    assert state.current_step == 0 and state.steps[1].started_at is None


def test_result_needs_approval_when_the_process_has_a_leader_step() -> None:
    state = act(act(counter(), A.HAND_OVER, RECEPTION, T0), A.HAND_OVER, SPECIALIST, T0)
    assert refused(state, A.RECORD_RESULT, LEADER, electronic=False) is ErrorCode.NOT_APPROVED
    single = counter(steps=(StepTemplate("certify", SPECIALIST, "desk", 16),))
    state = act(single, A.RECORD_RESULT, SPECIALIST, local("2026-03-02 10:00"), electronic=False)
    assert state.status is Status.RESOLVED and state.finished_at == local("2026-03-02 10:00")
    assert state.steps[0].finished_at == local("2026-03-02 10:00") and state.current_step is None


def test_result_parameters_and_electronic_return() -> None:
    single = counter(steps=(StepTemplate("certify", SPECIALIST, "desk", 16),))
    assert refused(single, A.RECORD_RESULT, SPECIALIST) is ErrorCode.MISSING_PARAMETER
    state = act(single, A.RECORD_RESULT, SPECIALIST, T0, electronic=False)
    assert refused(state, A.RETURN_RESULT, SYSTEM) is ErrorCode.MISSING_PARAMETER
    assert refused(state, A.RETURN_RESULT, SYSTEM, channel=ReturnChannel.ELECTRONIC) is (
        ErrorCode.RESULT_NOT_ELECTRONIC)
    state = act(state, A.RECORD_RESULT, CLERK, local("2026-03-03 08:00"), electronic=True)  # digitized copy
    assert state.status is Status.RESOLVED and state.result_electronic and state.finished_at == T0
    state = act(state, A.RETURN_RESULT, SYSTEM, local("2026-03-03 08:05"), channel=ReturnChannel.ELECTRONIC)
    assert state.status is Status.RETURNED and state.returned_at == local("2026-03-03 08:05")
    assert state.return_channel is ReturnChannel.ELECTRONIC and state.finished_at == T0


def test_withdrawal_and_stop_end_processing() -> None:
    paused = act(counter(), A.REQUEST_SUPPLEMENT, SPECIALIST, T0)
    for action, actor, status in ((A.WITHDRAW, APPLICANT, Status.WITHDRAWN), (A.STOP, LEADER, Status.STOPPED)):
        state = act(paused, action, actor, local("2026-03-02 10:00"), reason="r")
        assert state.status is status and state.paused_at is None and state.current_step is None
        assert state.finished_at == local("2026-03-02 10:00") == state.steps[0].finished_at


def test_reason_is_copied_into_the_event() -> None:
    result = apply(counter(), A.REQUEST_SUPPLEMENT, ctx(T0, SPECIALIST, reason="missing ID copy"))
    assert result.event.payload["reason"] == "missing ID copy"
    assert result.event.payload["request_number"] == 1 and result.event.payload["forced_late"] is False


def test_same_day_limit() -> None:
    state = counter(local("2026-03-02 15:30"), limit_text="sameday")
    assert state.due_at == local("2026-03-03 17:00")  # received from 15:00: close of the next working day
    assert parse_limit("sameday").kind.value == "sameday"


def test_state_json_format_is_checked() -> None:
    data = state_to_json(counter())
    assert data["format"] == 1 and data["status"] == 4 and data["limit"] == "2wd"
    assert data["steps"][0]["share_us"] == 2 * 3600 * 10**6
    with pytest.raises(ValueError, match="format"):
        state_from_json({**data, "format": 99})
    with pytest.raises(ValueError, match="UTC offset"):
        state_from_json({**data, "received_at": "2026-03-02T09:00:00"})
