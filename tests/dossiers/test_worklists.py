"""Worklists: the pure `at_risk_from` rule agrees with `at_risk`; the worklist selectors put the right
dossiers in each tab (and never another commune's), count them, sort and paginate them in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import (
    DossierState,
    Status,
    at_risk,
    at_risk_from,
    overdue_from,
    state_from_json,
    timeliness_of,
)
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import ActionParams, ApplicantData, create_dossier, perform
from motcua.dossiers.worklists import (
    COUNT_CAP,
    CursorError,
    Risk,
    Sort,
    Tab,
    WorklistFilter,
    approve_many,
    decode_cursor,
    encode_cursor,
    procedure_choices,
    risk_of,
    scope_for,
    tab_counts,
    tab_queryset,
    visible_tabs,
    worklist_page,
)
from motcua.workcalendar.selectors import calendar_for_unit
from tests.dossiers.domain.conftest import (
    APPLICANT,
    CALENDAR,
    LEADER,
    RECEPTION,
    SPECIALIST,
    A,
    act,
    counter,
    local,
    online,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# ---- the pure rule: at_risk_from agrees with at_risk ----------------------------------------------------
# Running example of tests/dossiers/domain: 2wd (16 h; reception 2 h, appraisal 10 h, approval 4 h),
# received Tue 28 Apr 2026 09:00, due Mon 4 May 09:00 (Thu 30 Apr and Fri 1 May are days off).

RECEIVED = local("2026-04-28 09:00")


def _agrees(state: DossierState, at: datetime) -> bool:
    start = at_risk_from(state, CALENDAR)
    return at_risk(state, at, CALENDAR) == (start is not None and at >= start)


@pytest.mark.parametrize(
    ("case", "expected_from"),
    [
        # At reception (2 h share): at risk as soon as the share is overrun: 09:00 + 2 h + 1 µs.
        ("received", "2026-04-28 11:00:00.000001"),
        # Handed to appraisal at 09:30 (early): the unused time of reception carries over; at risk once
        # appraisal (10 h) is overrun by more than the 1.5 h saved: Wed 29 15:00 + 1 µs… counted from 09:30:
        # 16 h − 0.5 h = 15.5 h left, later steps need 4 h → at risk after 11.5 h of working time.
        ("appraisal_early", "2026-04-29 15:00:00.000001"),
        # Handed to appraisal late (Wed 29 07:00, after 6 h of the 2 h share): 10 h left < 14 h needed.
        ("appraisal_late", "2026-04-29 07:00"),
        # Last step, overdue: at risk at once.
        ("overdue", "2026-05-04 10:00"),
        # Paused at reception within its share: not at risk while paused.
        ("paused_in_time", None),
        # Paused after overrunning the share: at risk from the pause.
        ("paused_at_risk", "2026-04-28 14:00"),
        # Resolved, withdrawn, not received: never.
        ("resolved", None),
        ("withdrawn", None),
    ],
)
def test_at_risk_from_table(case: str, expected_from: str | None) -> None:
    s = counter(RECEIVED)
    if case == "appraisal_early":
        s = act(s, A.HAND_OVER, RECEPTION, local("2026-04-28 09:30"))
    elif case == "appraisal_late":
        s = act(s, A.HAND_OVER, RECEPTION, local("2026-04-29 07:00"))
    elif case == "overdue":
        for when in ("2026-04-29 10:00", "2026-05-04 10:00"):
            s = act(s, A.HAND_OVER, SPECIALIST, local(when))
    elif case == "paused_in_time":
        s = act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-04-28 10:00"))
    elif case == "paused_at_risk":
        s = act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-04-28 14:00"))
    elif case == "resolved":
        now = local("2026-04-29 10:00")
        s = act(act(s, A.HAND_OVER, SPECIALIST, now), A.HAND_OVER, SPECIALIST, now)
        s = act(act(s, A.APPROVE, LEADER, now), A.RECORD_RESULT, LEADER, now, electronic=False)
    elif case == "withdrawn":
        s = act(s, A.WITHDRAW, APPLICANT, local("2026-04-28 10:00"))
    start = at_risk_from(s, CALENDAR)
    if expected_from is None:
        assert start is None
    else:
        expected = datetime.fromisoformat(expected_from).replace(tzinfo=VN)
        assert start == expected
        # Not at risk a microsecond before (unless from the last change on), at risk from then on.
        if expected > s.last_event_at:
            assert not at_risk(s, expected - timedelta(microseconds=1), CALENDAR)
        assert at_risk(s, max(expected, s.last_event_at), CALENDAR)
    for hours in (0, 0.5, 1, 2, 2.5, 5, 8, 13, 24, 48, 96, 200):
        assert _agrees(s, s.last_event_at + timedelta(hours=hours))


_MOVES = st.lists(st.tuples(st.sampled_from(["hand_over", "send_back", "supplement", "payment", "wait"]),
                            st.integers(min_value=0, max_value=4 * 24 * 60)), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(received=st.integers(min_value=0, max_value=30 * 24 * 60), moves=_MOVES,
       limit=st.sampled_from(["2wd", "16wh", "1wd", "5d", "sameday"]),
       probes=st.lists(st.integers(min_value=0, max_value=10**6 * 3600 * 24 * 12), min_size=1, max_size=8))
def test_at_risk_from_agrees_with_at_risk(received: int, moves: list[tuple[str, int]], limit: str,
                                         probes: list[int]) -> None:
    now = local("2026-03-02 07:00") + timedelta(minutes=received)
    s = counter(now, limit_text=limit)
    for move, minutes in moves:
        now += timedelta(minutes=minutes)
        if s.status is Status.AWAITING_SUPPLEMENT:
            s = act(s, A.SUPPLEMENT, APPLICANT, now)
        elif s.status is Status.AWAITING_PAYMENT:
            s = act(s, A.RECORD_PAYMENT, RECEPTION, now)
        elif s.current_step is None:
            break
        elif move == "hand_over" and s.current_step < len(s.steps) - 1:
            s = act(s, A.HAND_OVER, SPECIALIST, now)
        elif move == "send_back" and s.current_step > 0:
            s = act(s, A.SEND_BACK, SPECIALIST, now)
        elif move == "supplement":
            s = act(s, A.REQUEST_SUPPLEMENT, SPECIALIST, now, reason="x")
        elif move == "payment":
            s = act(s, A.REQUEST_PAYMENT, SPECIALIST, now)
    start = at_risk_from(s, CALENDAR)
    instants = [s.last_event_at + timedelta(microseconds=p) for p in probes]
    if start is not None and start >= s.last_event_at:
        instants += [start, start - timedelta(microseconds=1), start + timedelta(microseconds=1)]
    for at in instants:
        if at >= s.last_event_at:
            assert _agrees(s, at), (at, start)


# ---- the selectors on a database ------------------------------------------------------------------------
# Commune A, procedure 1.004873 (3 working days = 24 h: reception 1 h, specialist 19 h, leader 2 h,
# clerk 1 h, return 1 h), office hours 07:00–11:30, 13:30–17:00. "Now" is Wed 8 Apr 2026 10:00.

NOW = datetime(2026, 4, 8, 10, 0, tzinfo=VN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=VN)


@pytest.fixture
def desk(province_tree, make_officer):
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "proc": catalog.procedure_by_code("1.004873"),
        "other_proc": catalog.procedure_by_code("1.001193"),
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "specialist2": make_officer("spec2_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "specialist_b": make_officer("spec_b", t["b"], Role.SPECIALIST),
        "leader_b": make_officer("lead_b", t["b"], Role.LEADER),
        "monitor": make_officer("monitor", t["province"], Role.MONITOR),
    }


def receive(desk, when, *, name="Nguyễn Văn An", unit="a", channel=Channel.DIRECT, proc="proc"):
    reception = desk["reception"] if unit == "a" else desk["reception_b"]
    return create_dossier(actor=reception, procedure=desk[proc], receiving_unit=desk["t"][unit], channel=channel,
                          applicant=ApplicantData(name=name), now=when)


def do(desk, who, d, action, when, **params):
    return perform(actor=desk[who], code=d.code, action=action, params=ActionParams(**params), now=when)


@pytest.fixture
def dossiers(desk):
    """One dossier per situation, all as of NOW."""
    made = {}
    # Overdue: received Thu 2 Apr 08:00, due Tue 7 Apr 08:00, at the specialist.
    made["overdue"] = d = receive(desk, at(2, 8), name="Trần Thị Quá Hạn")
    do(desk, "reception", d, "hand_over", at(2, 9))
    # At risk, not overdue: received Mon 6 Apr 08:00 (due Thu 9 Apr 08:00), still at reception (1 h share).
    made["at_risk"] = receive(desk, at(6, 8), name="Lê Văn Nguy Cơ")
    # Due today (Wed 8 Apr 15:00) and at risk too: received Fri 3 Apr 15:00, at the specialist.
    made["due_today"] = d = receive(desk, datetime(2026, 4, 3, 15, 0, tzinfo=VN), name="Phạm Thị Hôm Nay")
    do(desk, "reception", d, "hand_over", datetime(2026, 4, 3, 15, 30, tzinfo=VN))
    # In time and mine: received Wed 8 Apr 09:00, handed to the specialist (holder) at 09:10.
    made["mine"] = d = receive(desk, at(8, 9), name="Hoàng Văn Của Tôi")
    do(desk, "reception", d, "hand_over", at(8, 9, 10), holder=desk["specialist"])
    # Held by another specialist: in the unit's list, not in mine.
    made["theirs"] = d = receive(desk, at(8, 9, 5), name="Đỗ Thị Người Khác")
    do(desk, "reception", d, "hand_over", at(8, 9, 15), holder=desk["specialist2"])
    # Awaiting supplement: received Tue 7 Apr 08:00, request at 09:00 (clock paused).
    made["supplement"] = d = receive(desk, at(7, 8), name="Vũ Văn Bổ Sung")
    do(desk, "specialist", d, "request_supplement", at(7, 9), reason="Thiếu giấy tờ")
    # At the leader step, not approved / approved.
    for key in ("approval", "approved"):
        made[key] = d = receive(desk, at(7, 8), name=f"Bùi Thị {key.title()}")
        do(desk, "reception", d, "hand_over", at(7, 8, 30))
        do(desk, "specialist", d, "hand_over", at(7, 14))
    do(desk, "leader", made["approved"], "approve", at(7, 15))
    # Forced late (two supplement requests) though its appointment is in the future.
    made["forced"] = d = receive(desk, at(8, 7), name="Ngô Văn Hai Lần")
    for hour in (7, 8):
        do(desk, "specialist", d, "request_supplement", at(8, hour, 30), reason="Thiếu")
        do(desk, "reception", d, "supplement", at(8, hour, 45), as_applicant=True)
    # Submitted online (status 1, no appointment), and a returned one (closed).
    made["online"] = receive(desk, at(8, 8), name="Mai Thị Trực Tuyến", channel=Channel.ONLINE)
    made["returned"] = d = receive(desk, at(2, 8), name="Lý Văn Đã Trả", proc="other_proc")
    for who in ("reception", "specialist"):
        do(desk, who, d, "hand_over", at(2, 9))
    do(desk, "leader", d, "approve", at(2, 10))
    for _ in range(2):
        do(desk, "leader", d, "hand_over", at(2, 10))
    do(desk, "reception", d, "record_result", at(2, 11), electronic=False)
    do(desk, "reception", d, "return_result", at(2, 11), channel="desk")
    # Commune B: overdue and awaiting supplement, never in A's lists.
    made["b_overdue"] = d = receive(desk, at(2, 8), name="Khách Xã Bình Minh", unit="b")
    made["b_supplement"] = d2 = receive(desk, at(7, 8), name="Khách Bổ Sung B", unit="b")
    perform(actor=desk["specialist_b"], code=d2.code, action="request_supplement",
            params=ActionParams(reason="Thiếu"), now=at(7, 9))
    for d in made.values():
        d.refresh_from_db()
    return made


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def named(dossiers, *keys) -> set[str]:
    return {dossiers[k].code for k in keys}


EXPECTED = {
    Tab.MINE: ("mine",),
    Tab.UNIT: ("overdue", "at_risk", "due_today", "mine", "theirs", "supplement", "approval", "approved", "forced",
               "online"),
    Tab.DUE_TODAY: ("due_today",),
    Tab.OVERDUE: ("overdue", "forced"),
    Tab.AT_RISK: ("at_risk", "due_today"),
    Tab.SUPPLEMENT: ("supplement",),
    Tab.APPROVAL: ("approval",),
}


@pytest.mark.django_db
def test_the_situations_are_what_the_fixture_says(dossiers):
    d = dossiers
    assert d["overdue"].due_at == at(7, 8)
    assert d["at_risk"].due_at == at(9, 8) and d["at_risk"].current_step == 0
    assert d["due_today"].due_at == at(8, 15)
    assert d["supplement"].status == 5 and d["online"].status == 1 and d["returned"].status == 10
    assert d["forced"].forced_late and d["forced"].due_at > NOW and d["forced"].status == 4
    assert d["approval"].current_step == 2 and d["approved"].current_step == 2


@pytest.mark.django_db
@pytest.mark.parametrize("reads", ["sorted_sets", "database_sorted_sets", "index_walks"])
@pytest.mark.parametrize("tab", list(Tab))
def test_each_tab_holds_the_right_dossiers_of_commune_a_only(desk, dossiers, tab, reads, monkeypatch):
    import motcua.dossiers.worklists as wl

    if reads == "index_walks":
        monkeypatch.setattr(wl, "SMALL_SET", 0)
        monkeypatch.setattr(wl, "RARE_SET", 0)
    if reads == "database_sorted_sets":  # big small sets: first page sorted by the database, not in Python
        monkeypatch.setattr(wl, "PAIRS_IN_PYTHON", 0)
    officer = desk["leader"] if tab is Tab.APPROVAL else desk["specialist"]
    scope = scope_for(officer, NOW)
    assert codes(tab_queryset(scope, tab)) == named(dossiers, *EXPECTED[tab])
    page = worklist_page(scope, tab)
    assert {r.code for r in page.rows} == named(dossiers, *EXPECTED[tab])
    assert not any(r.code.startswith(desk["t"]["b"].code) for r in page.rows)


@pytest.mark.django_db
def test_commune_b_sees_only_its_own(desk, dossiers):
    scope = scope_for(desk["specialist_b"], NOW)
    assert codes(tab_queryset(scope, Tab.UNIT)) == named(dossiers, "b_overdue", "b_supplement")
    assert codes(tab_queryset(scope, Tab.OVERDUE)) == named(dossiers, "b_overdue")
    assert codes(tab_queryset(scope, Tab.SUPPLEMENT)) == named(dossiers, "b_supplement")
    assert Tab.APPROVAL not in visible_tabs(scope)
    # The leader of B cannot reach A's dossiers awaiting approval.
    assert codes(tab_queryset(scope_for(desk["leader_b"], NOW), Tab.APPROVAL)) == set()


@pytest.mark.django_db
def test_a_province_monitor_sees_both_communes_and_no_one_without_a_role_sees_anything(desk, dossiers, make_officer):
    scope = scope_for(desk["monitor"], NOW)
    assert named(dossiers, "overdue", "b_overdue") <= codes(tab_queryset(scope, Tab.OVERDUE))
    nobody = make_officer("nobody", desk["t"]["a"])
    empty = scope_for(nobody, NOW)
    assert empty.unit_ids == ()
    assert worklist_page(empty, Tab.UNIT).rows == []
    assert all(c.count == 0 for c in tab_counts(empty))


@pytest.mark.django_db
def test_counts_match_the_tabs_and_only_leaders_get_the_approval_tab(desk, dossiers):
    specialist = {c.tab: c.count for c in tab_counts(scope_for(desk["specialist"], NOW))}
    assert Tab.APPROVAL not in specialist
    assert specialist == {t: len(EXPECTED[t]) for t in Tab if t is not Tab.APPROVAL}
    leader = {c.tab: c for c in tab_counts(scope_for(desk["leader"], NOW))}
    assert leader[Tab.APPROVAL].count == 1 and not leader[Tab.APPROVAL].capped
    # Counts honour the filter.
    filtered = {c.tab: c.count for c in tab_counts(scope_for(desk["specialist"], NOW),
                                                    WorklistFilter(query="Quá Hạn"))}
    assert filtered[Tab.OVERDUE] == 1 and filtered[Tab.UNIT] == 1 and filtered[Tab.AT_RISK] == 0


@pytest.mark.django_db
def test_counts_are_bounded(desk, dossiers, monkeypatch):
    import motcua.dossiers.worklists as wl

    monkeypatch.setattr(wl, "COUNT_CAP", 3)
    counts = {c.tab: c for c in tab_counts(scope_for(desk["specialist"], NOW))}
    assert counts[Tab.UNIT].count == 3 and counts[Tab.UNIT].capped
    assert counts[Tab.OVERDUE].count == 2 and not counts[Tab.OVERDUE].capped
    with CaptureQueriesContext(connection) as queries:
        tab_counts(scope_for(desk["specialist"], NOW), tabs=[Tab.UNIT])
    assert "LIMIT 4" in queries.captured_queries[-1]["sql"]
    assert COUNT_CAP == 1000  # the real cap (patched above only inside the module)


@pytest.mark.django_db
def test_worklist_columns_agree_with_the_domain_rules_for_every_dossier(desk, dossiers):
    calendar = calendar_for_unit(desk["t"]["a"])
    at_risk_now = set(Dossier.objects.filter(at_risk_from__lte=NOW).values_list("code", flat=True))
    overdue_now = set(Dossier.objects.filter(overdue_from__lte=NOW).values_list("code", flat=True))
    approval = set(Dossier.objects.filter(awaiting_approval=True).values_list("code", flat=True))
    assert approval == {dossiers["approval"].code}
    for d in Dossier.objects.all():
        state = state_from_json(d.state)
        assert (d.code in at_risk_now) == at_risk(state, NOW, calendar), d.code
        in_processing = state.current_step is not None
        clock = state.paused_at or NOW
        overdue = in_processing and (state.forced_late or (state.due_at is not None and state.due_at < clock))
        assert (d.code in overdue_now) == overdue, d.code
        for at in (NOW - timedelta(days=30), NOW, NOW + timedelta(days=30)):  # lists judge from the columns
            assert d.timeliness_at(at) == timeliness_of(state, at), (d.code, at)


@pytest.mark.django_db
def test_row_labels_follow_the_same_rules_as_the_tabs(desk, dossiers):
    scope = scope_for(desk["leader"], NOW)
    rows = {r.code: r for r in worklist_page(scope, Tab.UNIT).rows}
    d = dossiers
    assert rows[d["overdue"].code].risk is Risk.OVERDUE
    assert rows[d["forced"].code].risk is Risk.OVERDUE
    assert rows[d["at_risk"].code].risk is Risk.AT_RISK
    assert rows[d["mine"].code].risk is Risk.IN_TIME
    assert rows[d["supplement"].code].risk is Risk.IN_TIME
    assert rows[d["online"].code].risk is Risk.NONE
    for tab, risk in ((Tab.OVERDUE, Risk.OVERDUE), (Tab.AT_RISK, Risk.AT_RISK)):
        assert {r.risk for r in worklist_page(scope, tab).rows} == {risk}
    # Only the dossier awaiting approval gets a checkbox, and only for the leader.
    assert {c for c, r in rows.items() if r.can_approve} == {d["approval"].code}
    assert not any(r.can_approve for r in worklist_page(scope_for(desk["specialist"], NOW), Tab.UNIT).rows)
    assert rows[d["mine"].code].mine is False  # the leader does not hold it
    mine = worklist_page(scope_for(desk["specialist"], NOW), Tab.MINE).rows
    assert [r.mine for r in mine] == [True]


def test_risk_of_resolved_rows():
    base = {"status": 9, "due_at": NOW, "forced_late": False, "at_risk_from": None, "overdue_from": None,
            "finished_at": NOW - timedelta(hours=1), "original_due_at": NOW}
    assert risk_of(base, NOW) is Risk.DONE_IN_TIME
    assert risk_of({**base, "finished_at": NOW + timedelta(minutes=1)}, NOW) is Risk.LATE
    assert risk_of({**base, "forced_late": True}, NOW) is Risk.LATE
    assert risk_of({**base, "status": 1}, NOW) is Risk.NONE


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("running", "2026-05-04 09:00:00.000001"),  # the appointment + 1 µs: overdue ⇔ due_at < now
        ("paused_in_time", None),  # a paused clock cannot pass the appointment
        ("paused_late", "2026-05-04 10:00"),  # paused after the appointment: overdue from the pause
        ("forced", "2026-04-28 10:30"),  # a second supplement request: overdue from then on
        ("resolved", None),
        ("submitted", None),
    ],
)
def test_overdue_from_table(case: str, expected: str | None) -> None:
    s = counter(RECEIVED)
    if case == "paused_in_time":
        s = act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-04-29 10:00"))
    elif case == "paused_late":
        s = act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local("2026-05-04 10:00"))
    elif case == "forced":
        for when in ("2026-04-28 10:00", "2026-04-28 10:30"):
            s = act(act(s, A.REQUEST_SUPPLEMENT, RECEPTION, local(when)), A.SUPPLEMENT, APPLICANT, local(when))
    elif case == "resolved":
        now = local("2026-04-29 10:00")
        s = act(act(s, A.HAND_OVER, SPECIALIST, now), A.HAND_OVER, SPECIALIST, now)
        s = act(act(s, A.APPROVE, LEADER, now), A.RECORD_RESULT, LEADER, now, electronic=False)
    elif case == "submitted":
        s = online(RECEIVED)
    start = overdue_from(s)
    assert start == (None if expected is None else datetime.fromisoformat(expected).replace(tzinfo=VN))


def test_awaiting_approval_is_a_leader_step_not_yet_approved() -> None:
    s = counter(RECEIVED)
    now = local("2026-04-28 10:00")
    assert not s.awaiting_approval  # at reception
    s = act(act(s, A.HAND_OVER, RECEPTION, now), A.HAND_OVER, SPECIALIST, now)
    assert s.step is not None and s.step.role is LEADER and s.awaiting_approval
    assert not act(s, A.REQUEST_PAYMENT, LEADER, now).awaiting_approval  # paused: nothing to approve now
    assert not act(s, A.APPROVE, LEADER, now).awaiting_approval


@pytest.mark.django_db
def test_sorting(desk, dossiers):
    scope = scope_for(desk["specialist"], NOW)
    by_due = worklist_page(scope, Tab.UNIT, sort=Sort.DUE).rows
    dues = [r.due_at for r in by_due]
    assert dues[-1] is None  # the online dossier has no appointment yet: last
    assert dues[:-1] == sorted(dues[:-1])
    # Descending is the exact reverse: the dossier without an appointment first.
    by_due_desc = worklist_page(scope, Tab.UNIT, sort=Sort.DUE_DESC).rows
    assert [r.code for r in by_due_desc] == [r.code for r in reversed(by_due)]
    by_code = [r.code for r in worklist_page(scope, Tab.UNIT, sort=Sort.CODE).rows]
    assert by_code == sorted(by_code)
    assert [r.code for r in worklist_page(scope, Tab.UNIT, sort=Sort.CODE_DESC).rows] == sorted(by_code, reverse=True)
    received = [r.received_at for r in worklist_page(scope, Tab.UNIT, sort=Sort.RECEIVED_DESC).rows]
    assert received[0] is None and received[1:] == sorted(received[1:], reverse=True)


def _sort_key(sort: Sort):
    def key(d: Dossier):
        value = getattr(d, sort.column)
        return (value is None, value if value is not None else 0, d.pk)
    return key


@pytest.mark.django_db
@pytest.mark.parametrize("reads", ["sorted_sets", "database_sorted_sets", "index_walks"])
@pytest.mark.parametrize("officer", ["specialist", "monitor"])
@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pagination_walks_every_row_once_both_ways(desk, dossiers, sort, officer, reads, monkeypatch):
    import motcua.dossiers.worklists as wl

    if reads == "index_walks":  # every part counts as big: read in sort order on its index
        monkeypatch.setattr(wl, "SMALL_SET", 0)
        monkeypatch.setattr(wl, "RARE_SET", 0)
    if reads == "database_sorted_sets":  # big small sets: first page sorted by the database, not in Python
        monkeypatch.setattr(wl, "PAIRS_IN_PYTHON", 0)
    scope = scope_for(desk[officer], NOW)
    if officer == "monitor":
        assert len(scope.unit_ids) > 1  # PostgreSQL merges the units' pages (UNION ALL)
    expected = sorted(tab_queryset(scope, Tab.UNIT), key=_sort_key(sort), reverse=sort.descending)
    full = [r.code for r in worklist_page(scope, Tab.UNIT, sort=sort, limit=100).rows]
    assert full == [d.code for d in expected]
    assert len(full) == len(EXPECTED[Tab.UNIT]) + (2 if officer == "monitor" else 0)
    pages, cursor = [], None
    page = worklist_page(scope, Tab.UNIT, sort=sort, limit=3)
    assert page.previous_cursor is None
    while True:
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        page = worklist_page(scope, Tab.UNIT, sort=sort, limit=3, after=cursor)
    assert [c for p in pages for c in (r.code for r in p.rows)] == full
    assert all(len(p.rows) == 3 for p in pages[:-1])
    # Walk back from the last page with the previous cursors.
    back = pages[-1]
    walked = [r.code for r in back.rows]
    while back.previous_cursor is not None:
        back = worklist_page(scope, Tab.UNIT, sort=sort, limit=3, before=back.previous_cursor)
        walked = [r.code for r in back.rows] + walked
    assert walked == full


@pytest.mark.django_db
def test_filters(desk, dossiers):
    scope = scope_for(desk["specialist"], NOW)
    d = dossiers

    def page(**kw):
        return {r.code for r in worklist_page(scope, Tab.UNIT, WorklistFilter(**kw)).rows}

    assert page(status=5) == {d["supplement"].code}
    assert page(channel=Channel.ONLINE) == {d["online"].code}
    assert page(procedure="1.004873") == named(d, *EXPECTED[Tab.UNIT])
    assert page(procedure="1.001193") == set()
    assert page(query="nguy cơ") == {d["at_risk"].code}  # case-insensitive part of the name
    assert page(query=d["overdue"].code) == {d["overdue"].code}
    assert page(query=d["overdue"].code.lower()) == {d["overdue"].code}
    assert page(query=d["overdue"].code.split("-", 1)[1]) == {d["overdue"].code}  # the tail of the code
    assert page(query=d["b_overdue"].code) == set()  # another commune's code finds nothing


@pytest.mark.django_db
def test_bad_cursors_are_refused():
    with pytest.raises(CursorError):
        decode_cursor("not-a-cursor", Sort.DUE)
    with pytest.raises(CursorError):
        decode_cursor(encode_cursor(Sort.CODE, "X", 1), Sort.DUE)  # made for another sort
    assert decode_cursor(encode_cursor(Sort.DUE, NOW, 7), Sort.DUE) == (NOW, 7)


@pytest.mark.django_db
def test_a_page_is_a_few_bounded_queries_that_never_load_the_state(desk, dossiers):
    for officer, tab in (("specialist", Tab.UNIT), ("leader", Tab.OVERDUE), ("monitor", Tab.OVERDUE)):
        scope = scope_for(desk[officer], NOW)
        with CaptureQueriesContext(connection) as queries:
            worklist_page(scope, tab)
        sqls = [q["sql"] for q in queries.captured_queries]
        # Per part (and unit, for big parts): one bounded count and one read of a page of ids; then the rows.
        assert 1 <= len(sqls) <= 1 + 2 * 3 * len(scope.unit_ids)
        assert all("LIMIT" in sql and '"state"' not in sql for sql in sqls)
        assert "LIMIT 51" in sqls[-1]


@pytest.mark.django_db
def test_procedure_choices_are_those_of_the_officers_units(desk, dossiers):
    choices = dict(procedure_choices(scope_for(desk["specialist"], NOW)))
    assert "1.004873" in choices and "1.001193" in choices


@pytest.mark.django_db
def test_bulk_approval_each_in_its_own_transaction(desk, dossiers):
    d = dossiers
    second = receive(desk, at(7, 8), name="Thứ Hai")
    do(desk, "reception", second, "hand_over", at(7, 8, 30))
    do(desk, "specialist", second, "hand_over", at(7, 14))
    outcomes = approve_many(desk["leader"], [d["approval"].code, d["approved"].code, second.code, "NO-SUCH",
                                             d["b_overdue"].code, d["approval"].code], now=NOW)
    by_code = {o.code: o for o in outcomes}
    assert len(outcomes) == 5  # the repeated code is done once
    assert by_code[d["approval"].code].ok and by_code[second.code].ok
    assert not by_code[d["approved"].code].ok and "đã được phê duyệt" in by_code[d["approved"].code].detail
    assert not by_code["NO-SUCH"].ok and not by_code[d["b_overdue"].code].ok
    assert codes(tab_queryset(scope_for(desk["leader"], NOW), Tab.APPROVAL)) == set()
    for code in (d["approval"].code, second.code):
        assert state_from_json(Dossier.objects.get(code=code).state).approved


@pytest.mark.django_db
def test_bulk_approval_by_a_specialist_approves_nothing(desk, dossiers):
    outcomes = approve_many(desk["specialist"], [dossiers["approval"].code], now=NOW)
    assert [o.ok for o in outcomes] == [False]
    assert not state_from_json(Dossier.objects.get(code=dossiers["approval"].code).state).approved
