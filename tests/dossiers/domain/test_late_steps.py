"""Which steps count as late in the dashboards' attribution (`late_step_bucket`): a table of hand-picked cases
at the minute's edge, and properties tying it to `step_timeliness`, the rule the dossier page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import LateStepKind, StepState, Timeliness, late_step_bucket, step_timeliness

DUE = datetime(2026, 5, 4, 3, 0, 30, tzinfo=UTC)  # 10:00:30 in Hà Nội
START = DUE - timedelta(hours=10)
S = timedelta(seconds=1)


LATE = datetime(2026, 5, 4, 3, 1, tzinfo=UTC)  # late from 10:01:00, the minute after the due minute


@pytest.mark.parametrize(
    ("started", "due", "finished", "paused", "expected"),
    [
        (START, DUE, DUE, None, None),  # finished at the due instant: on time
        (START, DUE, LATE - S, None, None),  # 10:00:59, still the due minute: on time
        (START, DUE, LATE, None, (LateStepKind.FINISHED_LATE, LATE)),  # 10:01:00 (30 s past due): late
        (START, DUE, DUE + timedelta(days=3), DUE, (LateStepKind.FINISHED_LATE, DUE + timedelta(days=3))),
        (START, DUE, START, None, None),  # early
        (START, DUE, None, None, (LateStepKind.RUNNING, LATE)),  # running: overdue from 10:01:00
        (START, DUE, None, LATE - S, None),  # clock stopped within the due minute: never passes its due time
        (START, DUE, None, LATE, (LateStepKind.RUNNING, LATE)),  # stopped once already overdue
        (None, None, None, None, None),  # not started
        (START, None, None, None, None),  # no due time: never late
        (START, None, DUE, None, None),
    ],
)
def test_buckets_at_the_edges(started: datetime | None, due: datetime | None, finished: datetime | None,
                              paused: datetime | None, expected: tuple[LateStepKind, datetime] | None) -> None:
    assert late_step_bucket(started, due, finished, paused) == expected


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC))
offsets = st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3))


@given(due=instants, finish=offsets, at=offsets)
def test_a_finished_step_is_late_exactly_when_its_page_says_late(due: datetime, finish: timedelta,
                                                                  at: timedelta) -> None:
    step = StepState(0, "Thẩm định", Role.SPECIALIST, "X", timedelta(hours=8), started_at=due - timedelta(hours=8),
                     due_at=due, finished_at=due + finish)
    bucket = late_step_bucket(step.started_at, step.due_at, step.finished_at, None)
    page = step_timeliness(step, max(step.finished_at, due + at))  # type: ignore[type-var]
    assert (bucket is not None) == (page is Timeliness.LATE)
    assert bucket is None or bucket == (LateStepKind.FINISHED_LATE, step.finished_at)


@given(due=instants, at=offsets, paused=st.none() | offsets)
def test_a_running_step_counts_overdue_at_a_cut_exactly_when_its_page_says_overdue(
        due: datetime, at: timedelta, paused: timedelta | None) -> None:
    """The dashboards count a RUNNING bucket as overdue at `cut` when its instant (`late_from` the due time) is
    at or before `cut`; that is the dossier page's verdict at `cut`, with the clock stopped at `paused_at`.
    (Found by this property: "a minute past due" disagreed with the page for due times with seconds.)"""
    cut = due + at
    paused_at = None if paused is None else min(due + paused, cut)
    step = StepState(0, "Thẩm định", Role.SPECIALIST, "X", timedelta(hours=8), started_at=due - timedelta(hours=8),
                     due_at=due)
    bucket = late_step_bucket(step.started_at, step.due_at, None, paused_at)
    counted = bucket is not None and bucket[0] is LateStepKind.RUNNING and bucket[1] <= cut
    assert counted == (step_timeliness(step, cut, paused_at=paused_at) is Timeliness.OVERDUE)
