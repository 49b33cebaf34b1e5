"""Period rules of indicator 2.1 and Biểu II.06a, dossier by dossier: hand-made cases at the boundaries,
then properties over random dossier lives played through the real dossier rules (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.dossiers import domain as rules
from motcua.metrics import domain as m
from motcua.metrics.domain import Standing as S

from .lives import ACTORS, CALENDAR, VN, A, Life, advance, due_of, local

MARCH = m.Period(date(2026, 3, 1), date(2026, 3, 31))
T0 = "2026-03-02 09:00"  # Monday; a 2wd dossier received now is due Wed 4 Mar 09:00


def standing(life: Life, period: m.Period = MARCH) -> tuple[bool, S, bool, bool] | None:
    found = m.period_standing(life.timeline, period.start(VN), period.end(VN))
    return None if found is None else (found.carried_over, found.standing, found.finished, found.awaiting_supplement)


def test_appointment_of_the_sample_dossier():
    assert due_of(Life.start(local(T0))) == local("2026-03-04 09:00")


# ---- finished at, before and after the due minute -------------------------------------------------------

@pytest.mark.parametrize(("finish", "expected"), [
    ("2026-03-04 08:59", S.EARLY),
    ("2026-03-04 09:00", S.ON_TIME),  # exactly at the due minute
    ("2026-03-04 09:00:59", S.ON_TIME),  # same minute: on time at minute granularity
    ("2026-03-04 09:01", S.LATE),
])
def test_resolved_at_the_due_minute(finish, expected):
    life = Life.start(local(T0)).resolve(finish)
    assert standing(life) == (False, expected, True, False)


def test_returned_result_keeps_the_resolution_outcome():
    life = Life.start(local(T0)).resolve("2026-03-04 08:00", electronic=True)
    life.do(A.RETURN_RESULT, "2026-03-20 08:00", channel=rules.ReturnChannel.DESK)
    assert standing(life) == (False, S.EARLY, True, False)
    assert len(life.timeline) == 2  # running, ended: returning the result starts nothing new


# ---- supplement pauses ------------------------------------------------------------------------------------

def test_supplement_time_is_excluded():
    life = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00")
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-03 09:00").do(A.SUPPLEMENT, "2026-03-05 09:00")
    assert due_of(life) == local("2026-03-06 09:00")  # paused 16 working hours
    life.resolve("2026-03-06 08:00")  # after the first appointment, before the moved one
    assert standing(life) == (False, S.EARLY, True, False)


def test_more_than_one_supplement_request_is_late_whatever_happens():
    life = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00")
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-02 11:00").do(A.SUPPLEMENT, "2026-03-02 14:00")
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-02 15:00").do(A.SUPPLEMENT, "2026-03-02 16:00")
    period = m.Period(date(2026, 3, 2), date(2026, 3, 2))
    assert standing(life, period) == (False, S.OVERDUE, False, False)  # in progress: overdue at once
    life.resolve("2026-03-03 08:00")
    assert standing(life) == (False, S.LATE, True, False)


@pytest.mark.parametrize(("request_at", "expected", "after_resuming"), [
    ("2026-03-03 09:00", S.ON_TIME, S.IN_TIME),  # requested before the appointment (8 working hours left)
    ("2026-03-04 09:00", S.ON_TIME, S.OVERDUE),  # at the due minute (nothing left)
    ("2026-03-04 10:00", S.LATE, S.OVERDUE),  # requested after the appointment
])
def test_awaiting_supplement_at_the_period_end_counts_as_ended_at_the_request(request_at, expected,
                                                                              after_resuming):
    life = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00").do(A.REQUEST_SUPPLEMENT, request_at)
    assert standing(life) == (False, expected, False, True)
    # The next period inherits it (it was open at the boundary) and judges it again at its own end.
    april = m.Period(date(2026, 4, 1), date(2026, 4, 30))
    assert standing(life, april) == (True, expected, False, True)
    life.do(A.SUPPLEMENT, "2026-04-06 09:00")  # the clock runs again with what was left
    assert standing(life, m.Period(date(2026, 4, 1), date(2026, 4, 6))) == (True, after_resuming, False, False)


def test_second_supplement_request_pending_at_the_period_end_is_late():
    life = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00")
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-02 11:00").do(A.SUPPLEMENT, "2026-03-02 14:00")
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-02 15:00")
    assert standing(life) == (False, S.LATE, False, True)


# ---- dossiers spanning the period start and end ---------------------------------------------------------

def test_carried_over_and_still_in_progress():
    life = Life.start(local("2026-02-27 09:00"))  # Friday; due Tue 3 Mar 09:00
    assert standing(life) == (True, S.OVERDUE, False, False)
    assert standing(life, m.Period(date(2026, 3, 2), date(2026, 3, 2))) == (True, S.IN_TIME, False, False)
    assert standing(life, m.Period(date(2026, 3, 2), date(2026, 3, 3))) == (True, S.OVERDUE, False, False)
    assert standing(life, m.Period(date(2026, 2, 1), date(2026, 2, 26))) is None  # received after it


def test_instants_exactly_on_the_boundaries():
    day2, day3 = m.Period(date(2026, 3, 2), date(2026, 3, 2)), m.Period(date(2026, 3, 3), date(2026, 3, 3))
    received_at_start = Life.start(local("2026-03-02 00:00"))
    assert standing(received_at_start, day2) == (False, S.IN_TIME, False, False)  # new, not carried over
    finished_at_start = Life.start(local(T0)).resolve("2026-03-03 00:00")
    assert standing(finished_at_start, day3) == (True, S.EARLY, True, False)  # carried over, resolved in it
    assert standing(finished_at_start, day2) == (False, S.IN_TIME, False, False)  # still in progress at its end
    assert standing(finished_at_start, m.Period(date(2026, 3, 4), date(2026, 3, 4))) is None


def test_a_pause_after_the_period_does_not_rewrite_its_result():
    life = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00")
    first_days = m.Period(date(2026, 3, 2), date(2026, 3, 4))
    assert standing(life, first_days) == (False, S.OVERDUE, False, False)  # due 4 Mar 09:00
    life.do(A.REQUEST_SUPPLEMENT, "2026-03-05 09:00").do(A.SUPPLEMENT, "2026-03-12 09:00")
    assert due_of(life) > first_days.end(VN)  # the appointment moved past that period's end…
    assert standing(life, first_days) == (False, S.OVERDUE, False, False)  # …its result stays


def test_waiting_for_payment_is_judged_when_the_clock_stopped():
    in_time = Life.start(local(T0)).to_last_step("2026-03-02 10:00").do(A.REQUEST_PAYMENT, "2026-03-03 10:00")
    assert standing(in_time) == (False, S.IN_TIME, False, False)  # period end long after the appointment
    overdue = Life.start(local(T0)).to_last_step("2026-03-02 10:00").do(A.REQUEST_PAYMENT, "2026-03-04 10:00")
    assert standing(overdue) == (False, S.OVERDUE, False, False)


# ---- withdrawn, stopped, refused, never received ---------------------------------------------------------

def test_withdrawn_and_stopped_count_as_ended_on_time():
    withdrawn = Life.start(local(T0)).do(A.WITHDRAW, "2026-03-10 09:00")  # after the appointment
    assert standing(withdrawn) == (False, S.ON_TIME, True, False)
    stopped = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00").do(A.STOP, "2026-03-03 09:00")
    assert standing(stopped) == (False, S.ON_TIME, True, False)
    late = Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00")
    late.do(A.REQUEST_SUPPLEMENT, "2026-03-02 11:00").do(A.SUPPLEMENT, "2026-03-02 14:00")
    late.do(A.REQUEST_SUPPLEMENT, "2026-03-02 15:00").do(A.WITHDRAW, "2026-03-03 09:00")
    assert standing(late) == (False, S.LATE, True, False)


def test_never_received_dossiers_are_in_no_report():
    refused = Life.start(local(T0), online=True).do(A.REQUEST_SUPPLEMENT, "2026-03-02 10:00")
    refused.do(A.REFUSE, "2026-03-05 10:00")
    withdrawn = Life.start(local(T0), online=True).do(A.WITHDRAW, "2026-03-02 10:00")
    waiting = Life.start(local(T0), online=True)
    for life in (refused, withdrawn, waiting):
        assert life.timeline == ()
        assert standing(life) is None
        assert m.contributions(life.timeline, m.Attributes(online=True), VN) == {}


def test_online_dossier_counts_from_its_acceptance():
    life = Life.start(local("2026-02-27 16:00"), online=True).do(A.ACCEPT, "2026-03-02 08:00")
    assert standing(life, m.Period(date(2026, 2, 1), date(2026, 2, 28))) is None
    assert standing(life, m.Period(date(2026, 3, 1), date(2026, 3, 3))) == (False, S.IN_TIME, False, False)
    assert standing(life) == (False, S.OVERDUE, False, False)  # due 4 Mar 08:00, never resolved


# ---- a hand-counted month ---------------------------------------------------------------------------------

def _month() -> list[tuple[Life, m.Attributes]]:
    """Nine dossiers around March 2026, counted by hand in `test_a_hand_counted_month`."""
    on, off = m.Attributes(online=True), m.Attributes()
    return [
        (Life.start(local("2026-02-25 09:00")).resolve("2026-02-26 09:00"), off),  # ended before: not counted
        (Life.start(local("2026-02-26 09:00")).resolve("2026-03-02 10:00"), off),  # carried, late (due 2 Mar 09)
        (Life.start(local("2026-02-27 09:00")), off),  # carried, still open: overdue
        (Life.start(local("2026-03-02 09:00"), online=True).do(A.ACCEPT, "2026-03-02 09:30")
         .resolve("2026-03-03 09:00"), on),  # new online, early
        (Life.start(local(T0)).resolve("2026-03-04 09:00"), off),  # new, on time
        (Life.start(local(T0)).do(A.WITHDRAW, "2026-03-20 09:00"), off),  # new, withdrawn: on time
        (Life.start(local(T0)).do(A.HAND_OVER, "2026-03-02 10:00").do(A.REQUEST_SUPPLEMENT, "2026-03-05 09:00"),
         off),  # new, awaiting supplement requested late: resolved late
        (Life.start(local("2026-03-30 09:00"), online=True).do(A.ACCEPT, "2026-03-30 09:05"), on),  # in time
        (Life.start(local("2026-04-01 09:00")), off),  # received after: not counted
    ]


def _from_contributions(dossiers: list[tuple[Life, m.Attributes]], period: m.Period) -> m.Ii06aCounts:
    """What the rollups would hold: every dossier's contributions summed, read as `selectors` reads them."""
    total: Counter[tuple[date, m.Measure]] = Counter()
    for life, attributes in dossiers:
        total.update(m.contributions(life.timeline, attributes, VN))

    def flow(measure: m.Measure) -> int:
        return sum(v for (day, mm), v in total.items() if mm is measure and period.first <= day <= period.last)

    def stock(measure: m.Measure, day: date) -> int:
        return sum(v for (d, mm), v in total.items() if mm is measure and d <= day)

    M = m.Measure
    end = period.end_day
    return m.Ii06aCounts(
        flow(M.RECEIVED_ONLINE), flow(M.RECEIVED_OTHER), stock(M.OPEN_DELTA, period.first), flow(M.FINISHED_EARLY),
        flow(M.FINISHED_ON_TIME), flow(M.FINISHED_LATE), stock(M.SUPPLEMENT_ON_TIME_DELTA, end),
        stock(M.SUPPLEMENT_LATE_DELTA, end), stock(M.OPEN_DELTA, end), stock(M.OVERDUE_DELTA, end))


def _from_standings(dossiers: list[tuple[Life, m.Attributes]], period: m.Period) -> m.Ii06aCounts:
    """The same counts classified dossier by dossier (the direct recomputation)."""
    c: Counter[str] = Counter()
    for life, attributes in dossiers:
        found = m.period_standing(life.timeline, period.start(VN), period.end(VN))
        if found is None:
            continue
        if found.carried_over:
            c["carried"] += 1
        else:
            c["online" if attributes.online else "other"] += 1
        if found.finished:
            c[f"finished_{found.standing.value}"] += 1
        else:
            c["open"] += 1
            if found.awaiting_supplement:
                c[f"supplement_{found.standing.value}"] += 1
            elif found.standing is S.OVERDUE:
                c["overdue"] += 1
    return m.Ii06aCounts(c["online"], c["other"], c["carried"], c["finished_early"], c["finished_on_time"],
                         c["finished_late"], c["supplement_on_time"], c["supplement_late"], c["open"], c["overdue"])


def test_a_hand_counted_month():
    dossiers = _month()
    row = m.ii06a_row(_from_contributions(dossiers, MARCH))
    # received: 2 online (#4, #8) + 3 at the counter (#5, #6, #7) + 2 carried over (#2, #3) = 7
    # resolved: early 1 (#4), on time 2 (#5 at the due minute, #6 withdrawn), late 2 (#2, #7 awaiting a late
    # supplement request) = 5; in progress: 2 (#3 overdue, #8 in time)
    assert row.values() == (7, 2, 3, 2, 5, 1, 2, 2, 2, 1, 1)
    assert row == m.ii06a_row(_from_standings(dossiers, MARCH))
    assert row.on_time_or_early == 1 + 2 + 1


# ---- properties over random lives -------------------------------------------------------------------------

START = local("2026-03-01 00:00")
ADVANCES = st.one_of(st.just(timedelta(0)), st.timedeltas(timedelta(minutes=1), timedelta(hours=2)),
                     st.timedeltas(timedelta(minutes=1), timedelta(hours=10)),
                     st.timedeltas(timedelta(hours=10), timedelta(days=6)))
# How often an allowed action is drawn: the interesting ones more, the endings less.
WEIGHTS = {A.HAND_OVER: 4, A.REQUEST_SUPPLEMENT: 4, A.SUPPLEMENT: 4, A.RECORD_RESULT: 4, A.APPROVE: 3,
           A.REQUEST_PAYMENT: 2, A.RECORD_PAYMENT: 3, A.ACCEPT: 4, A.RECEIVE: 2, A.WITHDRAW: 1, A.STOP: 1,
           A.REFUSE: 1}
PARAMS = {
    A.ASSIGN: {"holder": "o1"},
    A.RECORD_RESULT: {"electronic": True},
    A.RETURN_RESULT: {"channel": rules.ReturnChannel.DESK},
}


def _midnight_or(at: datetime, data: st.DataObject) -> datetime:
    """Now and then the next midnight exactly: the period boundaries."""
    if data.draw(st.integers(0, 5), label="snap to midnight") == 0:
        return datetime.combine(at.astimezone(VN).date() + timedelta(days=1), datetime.min.time(), tzinfo=VN)
    return at


def random_life(data: st.DataObject) -> Life:
    at = _midnight_or(START + data.draw(st.timedeltas(timedelta(0), timedelta(days=50))), data)
    life = Life.start(at, online=data.draw(st.booleans()))
    for _ in range(data.draw(st.integers(0, 14))):
        allowed = sorted({a for actor in ACTORS for a in rules.allowed_actions(life.state, actor)},
                         key=lambda a: a.value)
        if not allowed:
            break
        action = data.draw(st.sampled_from([a for a in allowed for _ in range(WEIGHTS.get(a, 1))]))
        at = _midnight_or(at + data.draw(ADVANCES), data)
        params = dict(PARAMS.get(action, {}))
        if action is A.APOLOGISE:
            assert life.state.due_at is not None
            params["new_due_at"] = life.state.due_at + timedelta(days=2)
        try:
            life.do(action, at, **params)
        except rules.TransitionError:
            continue  # a time guard (apology) or a parameter the table cannot know about
    return life


def random_period(data: st.DataObject, around: Life | None = None) -> m.Period:
    """A period of 1 to 36 days, often starting a few days around the dossier's start."""
    base = date(2026, 3, 1) if around is None else around.changes[0][0].astimezone(VN).date()
    first = base + timedelta(days=data.draw(st.integers(-8, 20) if around else st.integers(0, 60)))
    return m.Period(first, first + timedelta(days=data.draw(st.integers(0, 35))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rollup_arithmetic_equals_direct_classification(data):
    lives = [random_life(data) for _ in range(data.draw(st.integers(1, 5)))]
    dossiers = [(life, m.Attributes(online=life.state.online)) for life in lives]
    period = random_period(data, lives[0])
    counts = _from_contributions(dossiers, period)
    assert counts == _from_standings(dossiers, period)
    m.ii06a_row(counts)  # consistent: received = resolved + in progress


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_timeline_from_stored_events_equals_the_live_one(data):
    life = random_life(data)
    assert m.timeline_from_events(life.events) == life.timeline
    assert m.timeline_from_events(life.events, life.changes[-1][1]) == life.timeline
    # Leaving out the events that never change a segment gives the same timeline (the bulk rebuild does).
    quiet = {"assign", "hand_over", "send_back", "approve", "apologise"}
    assert m.timeline_from_events([e for e in life.events if e.action not in quiet]) == life.timeline
    assert m.timeline_from_json(m.timeline_to_json(life.timeline), VN) == life.timeline


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_stock_intervals_agree_with_the_standing_at_every_instant(data):
    life = random_life(data)
    spans = m.intervals(life.timeline)
    for _ in range(12):
        instant = START + data.draw(st.timedeltas(timedelta(0), timedelta(days=90)))
        if data.draw(st.booleans()):  # also exactly on the segment starts and the overdue instants
            marks = [s.start for s in life.timeline] + [m.overdue_from(s.due) for s in life.timeline if s.due]
            if marks:
                instant = data.draw(st.sampled_from(marks)) + data.draw(
                    st.sampled_from([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)]))
        found = m.standing_before(life.timeline, instant)
        inside = {i.stock for i in spans if i.contains_before(instant)}
        ended = found is not None and life.timeline[-1].kind is m.SegmentKind.ENDED and \
            life.timeline[-1].start < instant
        assert (m.Stock.OPEN in inside) == (found is not None and not ended)
        if found is None or ended:
            assert inside == set()
            continue
        supplement = {m.Stock.SUPPLEMENT_ON_TIME, m.Stock.SUPPLEMENT_LATE} & inside
        if supplement:
            assert found is (S.ON_TIME if m.Stock.SUPPLEMENT_ON_TIME in inside else S.LATE)
            assert m.Stock.OVERDUE not in inside and len(supplement) == 1
        else:
            assert found in (S.IN_TIME, S.OVERDUE)
            assert (m.Stock.OVERDUE in inside) == (found is S.OVERDUE)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),
       st.timedeltas(timedelta(seconds=-300), timedelta(seconds=300)))
def test_overdue_from_is_where_compare_turns_late(naive_due, offset):
    due = naive_due.replace(tzinfo=VN)
    t = m.overdue_from(due) + offset
    assert (rules.compare(t, due) is rules.Timeliness.LATE) == (offset >= timedelta(0))


def test_contributions_difference_round_trips():
    life = Life.start(local(T0))
    before = m.contributions(life.timeline, m.Attributes(), VN)
    life.resolve("2026-03-05 10:00", electronic=True)
    after = m.contributions(life.timeline, m.Attributes(eresult=True), VN)
    delta = m.difference(after, before)
    rebuilt = Counter(before)
    rebuilt.update(delta)
    assert {k: v for k, v in rebuilt.items() if v} == after
    assert (date(2026, 3, 5), m.Measure.FINISHED_LATE) in delta
    assert all(v for v in delta.values())


def test_calendar_of_the_lives_is_the_shared_one():
    assert advance(local(T0), 16) == local("2026-03-04 09:00")
    assert CALENDAR.is_working_day(date(2026, 3, 2))


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),
       st.timedeltas(timedelta(days=-2), timedelta(days=2)),
       st.sampled_from(list(rules.Granularity)))
def test_the_fast_judgement_is_the_dossier_rules_compare(naive_due, offset, granularity):
    due = naive_due.replace(tzinfo=VN)
    for finished in (due + offset, (due + offset).astimezone(ZoneInfo("UTC"))):
        assert m.judge(finished, due, granularity) is rules.compare(finished, due, granularity)
        t = m.overdue_from(due, granularity)
        assert rules.compare(t, due, granularity) is rules.Timeliness.LATE
        assert rules.compare(t - timedelta(microseconds=1), due, granularity) is not rules.Timeliness.LATE
