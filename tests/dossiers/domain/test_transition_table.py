"""The whole transition table: every (action, sample status) pair, every actor. Expectations are hand-written
here, independently of `TRANSITIONS`."""

from __future__ import annotations

import itertools

import pytest

from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    ActorKind,
    DossierAction,
    ErrorCode,
    Status,
    StepCondition,
    TransitionError,
    allowed_actions,
    apply,
)

from .conftest import (
    ALL_ACTORS,
    APPLICANT,
    CALENDAR,
    CLERK,
    LEADER,
    RECEPTION,
    SAMPLES,
    SPECIALIST,
    SYSTEM,
    T0,
    A,
    ctx,
    default_params,
)

S, E = Status, ErrorCode
P3 = ("processing_first", "processing_middle", "processing_last")
IN_PROCESS = (*P3, "processing_supplement", "awaiting_payment")

# (action, sample) → the status reached, or the error code. Pairs not listed: action_not_allowed_in_status.
EXPECTED: dict[DossierAction, dict[str, Status | ErrorCode]] = {
    A.SUBMIT_ONLINE: {},  # creation only (new_dossier)
    A.RECEIVE: {"submitted": S.PROCESSING},
    A.ACCEPT: {"submitted": S.PROCESSING},
    A.REQUEST_SUPPLEMENT: {"submitted": S.AWAITING_SUPPLEMENT, **dict.fromkeys(P3, S.AWAITING_SUPPLEMENT)},
    A.SUPPLEMENT: {"intake_supplement": S.SUBMITTED, "processing_supplement": S.PROCESSING},
    A.REFUSE: {"submitted": S.NOT_RECEIVED, "intake_supplement": S.NOT_RECEIVED},
    A.ASSIGN: dict.fromkeys(P3, S.PROCESSING),
    A.HAND_OVER: {"processing_first": S.PROCESSING, "processing_middle": S.PROCESSING,
                  "processing_last": E.NO_NEXT_STEP},
    A.SEND_BACK: {"processing_first": E.NO_PREVIOUS_STEP, "processing_middle": S.PROCESSING,
                  "processing_last": S.PROCESSING},
    A.REQUEST_PAYMENT: dict.fromkeys(P3, S.AWAITING_PAYMENT),
    A.RECORD_PAYMENT: {"awaiting_payment": S.PROCESSING},
    A.APPROVE: {"processing_first": S.PROCESSING, "processing_middle": S.PROCESSING,
                "processing_last": E.ALREADY_APPROVED},
    A.RECORD_RESULT: {"processing_first": E.NOT_LAST_STEP, "processing_middle": E.NOT_LAST_STEP,
                      "processing_last": S.RESOLVED, "resolved": S.RESOLVED},
    A.RETURN_RESULT: {"resolved": S.RETURNED},
    A.WITHDRAW: {"submitted": S.WITHDRAWN, "intake_supplement": S.WITHDRAWN, **dict.fromkeys(IN_PROCESS, S.WITHDRAWN)},
    A.STOP: dict.fromkeys(IN_PROCESS, S.STOPPED),
    A.APOLOGISE: {**dict.fromkeys(P3, S.PROCESSING), "processing_supplement": S.AWAITING_SUPPLEMENT,
                  "awaiting_payment": S.AWAITING_PAYMENT},
}

OFFICERS: frozenset[Role | ActorKind] = frozenset({RECEPTION, SPECIALIST, LEADER, CLERK})


def expected_roles(action: DossierAction, sample: str) -> frozenset[Role | ActorKind]:
    """Who may do `action` on `sample` (when the status allows it at all)."""
    if action is A.REQUEST_SUPPLEMENT:
        return frozenset({RECEPTION}) if sample == "submitted" else frozenset({RECEPTION, SPECIALIST, LEADER})
    table: dict[DossierAction, frozenset[Role | ActorKind]] = {
        A.SUBMIT_ONLINE: frozenset({APPLICANT}),
        A.RECEIVE: frozenset({RECEPTION}),
        A.ACCEPT: frozenset({RECEPTION}),
        A.SUPPLEMENT: frozenset({APPLICANT, RECEPTION}),
        A.REFUSE: frozenset({RECEPTION}),
        A.ASSIGN: OFFICERS,
        A.HAND_OVER: OFFICERS,
        A.SEND_BACK: OFFICERS,
        A.REQUEST_PAYMENT: frozenset({SPECIALIST, LEADER}),
        A.RECORD_PAYMENT: frozenset({RECEPTION, CLERK, SYSTEM}),
        A.APPROVE: frozenset({LEADER}),
        A.RECORD_RESULT: OFFICERS,
        A.RETURN_RESULT: frozenset({RECEPTION, CLERK, SYSTEM}),
        A.WITHDRAW: frozenset({APPLICANT, RECEPTION}),
        A.STOP: frozenset({LEADER, SYSTEM}),
        A.APOLOGISE: frozenset({LEADER}),
    }
    return table[action]


def expectation(action: DossierAction, sample: str) -> Status | ErrorCode:
    return EXPECTED[action].get(sample, E.ACTION_NOT_ALLOWED_IN_STATUS)


GRID = list(itertools.product(DossierAction, SAMPLES))


@pytest.mark.parametrize(("action", "sample"), GRID, ids=[f"{a.value}-{s}" for a, s in GRID])
def test_every_action_in_every_status(action: DossierAction, sample: str) -> None:
    state = SAMPLES[sample]()
    expected = expectation(action, sample)
    actor = sorted(expected_roles(action, sample), key=str)[0]
    context = ctx(T0, actor, **default_params(state, action))
    if isinstance(expected, Status):
        result = apply(state, action, context)
        assert result.state.status is expected
        assert result.event.action is action
        assert (result.event.from_status, result.event.to_status) == (state.status, expected)
        assert (result.event.from_step, result.event.to_step) == (state.current_step, result.state.current_step)
        assert result.state.last_event_at == T0
    else:
        with pytest.raises(TransitionError) as caught:
            apply(state, action, context)
        assert caught.value.code is expected
        assert caught.value.action is action and caught.value.status is state.status
        message = str(caught.value)
        assert action.value in message and f"status {state.status.value} (" in message


ALLOWED = [(a, s) for a, s in GRID if isinstance(expectation(a, s), Status)]


@pytest.mark.parametrize(("action", "sample"), ALLOWED, ids=[f"{a.value}-{s}" for a, s in ALLOWED])
def test_roles(action: DossierAction, sample: str) -> None:
    state = SAMPLES[sample]()
    allowed = expected_roles(action, sample)
    for actor in ALL_ACTORS:
        context = ctx(T0, actor, **default_params(state, action))
        if actor in allowed:
            assert apply(state, action, context).state.status is expectation(action, sample)
        else:
            with pytest.raises(TransitionError) as caught:
                apply(state, action, context)
            assert caught.value.code is E.ROLE_NOT_ALLOWED, actor
            assert repr(actor.value) in str(caught.value)


@pytest.mark.parametrize("sample", list(SAMPLES))
@pytest.mark.parametrize("actor", ALL_ACTORS)
def test_allowed_actions_are_the_buttons(sample: str, actor: Role | ActorKind) -> None:
    state = SAMPLES[sample]()
    expected = [a for a in DossierAction
                if isinstance(expectation(a, sample), Status) and actor in expected_roles(a, sample)]
    assert allowed_actions(state, actor, T0, CALENDAR) == expected


@pytest.mark.parametrize("actor", [Role.UNIT_ADMIN, Role.PROVINCE_ADMIN, Role.MONITOR])
def test_administrators_and_monitors_never_change_a_dossier(actor: Role) -> None:
    assert all(actor not in row.roles for row in TRANSITIONS)
    assert all(allowed_actions(make(), actor) == [] for make in SAMPLES.values())


def test_terminal_statuses_have_no_way_out() -> None:
    assert {s for s in Status if not any(s in r.from_statuses for r in TRANSITIONS)} == TERMINAL_STATUSES | {
        S.RECEIVED}
    assert not any(r.to_status is S.RECEIVED for r in TRANSITIONS)


def test_the_table_is_unambiguous() -> None:
    """For one action, status and actor at most one row can apply, whatever the step."""
    for row_a, row_b in itertools.combinations(TRANSITIONS, 2):
        if row_a.action is not row_b.action or not set(row_a.from_statuses) & set(row_b.from_statuses):
            continue
        if not row_a.roles & row_b.roles:
            continue
        phases = {row_a.step, row_b.step}
        assert phases == {StepCondition.INTAKE, StepCondition.AT_STEP}, (row_a, row_b)


def test_every_action_has_a_row_and_creation_rows_are_only_for_new_dossiers() -> None:
    assert {r.action for r in TRANSITIONS} == set(DossierAction)
    assert {r.action for r in TRANSITIONS if not r.from_statuses} == {A.SUBMIT_ONLINE, A.RECEIVE}


def test_an_action_before_the_last_change_is_refused() -> None:
    state = SAMPLES["processing_first"]()
    with pytest.raises(TransitionError) as caught:
        apply(state, A.APPROVE, ctx(T0.replace(minute=59, hour=8), LEADER))
    assert caught.value.code is E.TIME_BEFORE_LAST_CHANGE


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(SAMPLES["processing_first"](), A.APPROVE, ctx(T0.replace(tzinfo=None), LEADER))


def test_action_names_are_the_api_names() -> None:
    assert [a.value for a in DossierAction] == [
        "submit_online", "receive", "accept", "request_supplement", "supplement", "refuse", "assign", "hand_over",
        "send_back", "request_payment", "record_payment", "approve", "record_result", "return_result", "withdraw",
        "stop", "apologise"]
    assert [int(s) for s in Status] == list(range(1, 11))
