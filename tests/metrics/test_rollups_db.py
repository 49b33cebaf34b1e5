"""The rollups on a real database: live dossiers through the services, generated and imported dossiers,
a hand-counted month, drill-downs that list exactly the counted dossiers, and agreement with a direct
recomputation (SQLite here, PostgreSQL in the integration run)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.core.demo import load_demo_province
from motcua.core.domain.permissions import Role
from motcua.core.models import Unit
from motcua.dossiers import importing
from motcua.dossiers.domain import LateStepKind
from motcua.dossiers.generate import generate
from motcua.dossiers.models import Dossier
from motcua.metrics import domain as m
from motcua.metrics import latesteps, rollups, selectors
from motcua.metrics.direct import verify
from motcua.metrics.models import DossierFact, MetricSpan, RollupDay

from .conftest import Desk, local

pytestmark = pytest.mark.django_db
APRIL = m.Period(date(2026, 4, 1), date(2026, 4, 30))
ROOT = Path(__file__).resolve().parents[2]


def _april(desk: Desk) -> dict[str, Dossier]:
    """Ten dossiers around April 2026 at commune A (and one at B), counted by hand below."""
    d: dict[str, Dossier] = {}
    d["on_time"] = desk.receive("a", "2026-04-06 08:00", files=True, vneid_verified=True)
    desk.resolve(d["on_time"], d["on_time"].due_at, electronic=True)  # exactly at the appointment
    d["late"] = desk.receive("a", "2026-04-06 09:00", vneid_verified=True, fee_total=50_000)
    desk.resolve(d["late"], d["late"].due_at + timedelta(days=1))
    d["online"] = desk.receive("a", "2026-04-06 10:00", online=True)
    desk.act(d["online"], "accept", "2026-04-06 11:00")  # then left in progress: overdue at the end
    d["in_time"] = desk.receive("a", "2026-04-29 08:00")  # due in May
    d["supplement"] = desk.receive("a", "2026-04-06 08:30")
    desk.act(d["supplement"], "hand_over", "2026-04-06 09:00")
    desk.act(d["supplement"], "request_supplement", "2026-04-07 08:00", reason="Thiếu giấy tờ")  # in time
    d["withdrawn"] = desk.receive("a", "2026-04-06 08:40")
    desk.act(d["withdrawn"], "withdraw", "2026-04-10 08:00", as_applicant=True)
    d["carried"] = desk.receive("a", "2026-03-20 08:00")
    desk.resolve(d["carried"], "2026-04-02 08:00")  # late (due in March)
    d["before"] = desk.receive("a", "2026-03-20 09:00")
    desk.resolve(d["before"], "2026-03-23 09:00")  # ended before April: not counted
    d["refused"] = desk.receive("a", "2026-04-06 10:30", online=True)
    desk.act(d["refused"], "refuse", "2026-04-06 11:00", reason="Không thuộc thẩm quyền")  # never received
    d["other_unit"] = desk.receive("b", "2026-04-06 08:00")  # commune B: in progress, overdue at the end
    return d


def test_a_hand_counted_month_through_the_services(desk):
    d = _april(desk)
    a, province = desk.units["a"], desk.units["province"]
    report = selectors.ii06a(a, APRIL)
    # received: 1 online + 5 at the counter + 1 carried over; resolved: on time 3 (at the appointment,
    # awaiting a supplement requested in time, withdrawn), late 2; in progress: 1 in time, 1 overdue.
    assert report.total.values() == (7, 1, 5, 1, 5, 0, 3, 2, 2, 1, 1)
    assert [line.field_name for line in report.lines] == ["Hộ tịch"]
    assert selectors.ii06a(province, APRIL).total.values() == (8, 1, 6, 1, 5, 0, 3, 2, 3, 1, 2)

    index = selectors.service_index(a, APRIL)
    figures = {i.code: (i.numerator, i.denominator) for i in index.indicators}
    assert figures["2.1"] == (3 + 1, 7)
    assert figures["1.4"] == (0, 6)  # a real zero: nothing synchronised yet
    assert figures["3.3"] == (0, 6)  # the online dossier has no electronic result (paper procedure)
    assert figures["3.6"] == (0, 1)
    assert figures["4.1"] == (1, 3)  # results recorded in April: one electronic of three
    assert figures["4.2"] == (1, 6)  # the only dossier with digitized components and an electronic result
    assert figures["4.5"] == (2, 6)
    assert figures["5.2"] == (None, None) and not index.indicator("5.2").has_data
    assert index.indicator("2.1").value == m.score(4, 7, 20).score  # type: ignore[union-attr]

    # Every figure lists exactly the dossiers it counts.
    for column, value in zip(m.II06A_COLUMNS, report.total.values(), strict=True):
        assert selectors.ii06a_dossiers(column, a, APRIL).count() == value, column
    assert set(selectors.indicator_dossiers("2.1", "numerator", a, APRIL)) == {
        d["on_time"], d["supplement"], d["withdrawn"], d["in_time"]}
    assert set(selectors.ii06a_dossiers("carried_over", a, APRIL)) == {d["carried"]}
    assert set(selectors.ii06a_dossiers("in_progress_overdue", province, APRIL)) == {d["online"], d["other_unit"]}
    assert set(index.drilldown("2.1", "numerator", user=desk.monitor)) == {
        d["on_time"], d["supplement"], d["withdrawn"], d["in_time"]}
    assert index.drilldown("3.1", "denominator").model.__name__ == "Procedure"
    with pytest.raises(ValueError):
        index.drilldown("5.2", "numerator")
    for i in index.indicators:
        if i.has_data and i.source is m.Source.DOSSIERS:
            assert selectors.indicator_dossiers(i.code, "numerator", a, APRIL).count() == i.numerator, i.code
            assert selectors.indicator_dossiers(i.code, "denominator", a, APRIL).count() == i.denominator, i.code
        elif i.has_data:
            assert selectors.indicator_procedures(i.code, "numerator", a, APRIL).count() == i.numerator, i.code
            assert selectors.indicator_procedures(i.code, "denominator", a, APRIL).count() == i.denominator, i.code
    assert verify(APRIL, [a, province, desk.units["b"]]) == []
    # The facts kept event by event are those rebuilt from the stored events.
    assert rollups.rebuild_dossiers(Dossier.objects.values_list("pk", flat=True)) == 0


def test_the_previous_month_and_a_single_day(desk):
    _april(desk)
    a = desk.units["a"]
    march = selectors.ii06a(a, m.Period(date(2026, 3, 1), date(2026, 3, 31))).total
    assert march.values() == (2, 0, 2, 0, 1, 1, 0, 0, 1, 0, 1)  # "before" early; "carried" overdue at the end
    sixth = selectors.ii06a(a, m.Period(date(2026, 4, 6), date(2026, 4, 6))).total
    # carried over: "carried" is resolved on 2 April, so nothing; received on the 6th: 5 (refused excluded),
    # all still in progress at the day's end, in time.
    assert sixth.values() == (5, 1, 4, 0, 0, 0, 0, 0, 5, 5, 0)


def test_events_that_change_nothing_reported_cost_nothing(desk):
    d = desk.receive("a", "2026-04-06 08:00")
    with CaptureQueriesContext(connection) as queries:
        desk.act(d, "hand_over", "2026-04-06 09:00")
        desk.act(d, "approve", "2026-04-06 09:10")
    metric = [q["sql"] for q in queries.captured_queries if "metrics_" in q["sql"]]
    # The reports' rollups are untouched; the late-step rollup follows the running step: one statement for the
    # hand-over (the reception step ends, the processing step starts), none for an approval that moves none.
    assert len(metric) == 1 and "INSERT INTO metrics_latestepday" in metric[0], metric
    assert not any(t in metric[0] for t in ("metrics_rollupday", "metrics_dossierfact", "metrics_metricspan"))
    with CaptureQueriesContext(connection) as queries:
        desk.act(d, "request_supplement", "2026-04-06 10:00")
    metric = [q["sql"] for q in queries.captured_queries if "metrics_" in q["sql"]]
    # Read the fact, then write: one statement on PostgreSQL (rollups, spans, fact), one per table elsewhere.
    assert len(metric) == 2 if connection.vendor == "postgresql" else 2 <= len(metric) <= 6, metric
    with CaptureQueriesContext(connection) as queries:
        desk.act(d, "supplement", "2026-04-06 11:00", as_applicant=True)
        desk.resolve(Dossier.objects.get(pk=d.pk), "2026-04-07 09:00")
    writes = [q["sql"] for q in queries.captured_queries if "INSERT INTO metrics_rollupday" in q["sql"]]
    assert len(writes) == 2  # the resumption and the resolution: one upsert statement each
    assert verify(APRIL, [desk.units["a"]]) == []


def test_a_change_without_an_event_is_picked_up_by_refresh(desk):
    d = desk.receive("a", "2026-04-06 08:00")
    a = desk.units["a"]
    assert selectors.service_index(a, APRIL).indicator("1.4").numerator == 0
    Dossier.objects.filter(pk=d.pk).update(synced_to_national_portal=True)  # e.g. a future sync worker
    rollups.refresh(d.pk)
    assert selectors.service_index(a, APRIL).indicator("1.4").numerator == 1
    assert verify(APRIL, [a]) == []


def test_permissions(desk, make_officer):
    _april(desk)
    a, b, province = desk.units["a"], desk.units["b"], desk.units["province"]
    specialist = make_officer("spec_only", a, Role.SPECIALIST)
    with pytest.raises(PermissionDenied):
        selectors.service_index(a, APRIL, user=specialist)  # no report.view
    leader_a = make_officer("leader_a", a, Role.LEADER)
    assert selectors.service_index(a, APRIL, user=leader_a).indicator("2.1").denominator == 7
    with pytest.raises(PermissionDenied):
        selectors.ii06a(b, APRIL, user=leader_a)
    with pytest.raises(PermissionDenied):
        selectors.ii06a_dossiers("received_total", province, APRIL, user=leader_a)
    assert [u.code for u in selectors.report_units(leader_a)] == [a.code]
    assert [i.unit.code for i in selectors.service_indexes(APRIL, user=leader_a)] == [a.code]
    every = selectors.service_indexes(APRIL, user=desk.monitor)
    assert {i.unit.code for i in every} == {u.code for u in desk.units.values()}
    assert selectors.ii06a_dossiers("received_total", province, APRIL, user=desk.monitor).count() == 8
    # Figures of every unit from the one-query path equal the unit-by-unit ones.
    by_unit = {i.unit.code: [(x.numerator, x.denominator) for x in i.indicators] for i in every}
    for unit in desk.units.values():
        single = selectors.service_index(unit, APRIL)
        assert by_unit[unit.code] == [(x.numerator, x.denominator) for x in single.indicators]


@pytest.fixture
def demo():
    load_demo_province()


def _rollup_rows() -> dict[tuple[int, int, date], tuple[int, ...]]:
    from motcua.metrics.models import MEASURE_COLUMNS

    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in RollupDay.objects.values_list(
        "unit_id", "procedure_id", "day", *MEASURE_COLUMNS) if any(r[3:])}


def test_generated_dossiers_rollups_agree_with_a_direct_recomputation(demo, make_officer):
    generate(400, seed=7, until=date(2026, 3, 2))
    assert DossierFact.objects.count() == Dossier.objects.filter(received_at__isnull=False).count() > 300
    units = list(Unit.objects.filter(code__in=["000.00.00.H99", "000.10.01.H99", "000.00.02.H99", "000.00.01.H99"]))
    # Whole months, partial months at either edge, a year, single days on and off month boundaries.
    periods = [m.quarter(2025, 4), m.Period(date(2026, 1, 1), date(2026, 3, 1)), m.Period(date(2025, 1, 1),
               date(2025, 12, 31)), m.Period(date(2026, 2, 16), date(2026, 2, 16)),
               m.Period(date(2025, 11, 15), date(2026, 1, 20)), m.Period(date(2025, 10, 31), date(2025, 11, 1)),
               m.Period(date(2025, 12, 1), date(2025, 12, 31)), m.Period(date(2025, 12, 31), date(2025, 12, 31))]
    for period in periods:
        assert verify(period, units) == [], period
    for unit, period in ((units[0], periods[0]), (units[1], periods[4]), (units[0], periods[7])):
        row = selectors.ii06a(unit, period).total
        for column, value in zip(m.II06A_COLUMNS, row.values(), strict=True):  # the drill-downs list them all
            assert selectors.ii06a_dossiers(column, unit, period).count() == value, (unit.code, period, column)
    # Live events on generated dossiers keep them exact.
    from motcua.dossiers.services import ActionParams, allowed_actions_for, perform

    officer = make_officer("everything", Unit.objects.get(code="000.00.00.H99"), Role.RECEPTION_OFFICER,
                           Role.SPECIALIST, Role.LEADER, Role.CLERK)
    done = []
    for number, d in enumerate(Dossier.objects.filter(status__in=(4, 5, 6)).order_by("pk")[:24]):
        now = local("2026-03-02 08:00") + timedelta(hours=number)
        allowed = allowed_actions_for(officer, d, now=now)
        wanted = ("record_result", "supplement", "record_payment", "request_supplement", "approve", "hand_over")
        action = next(a for a in (*wanted[number % 3:], *wanted[:number % 3]) if a in allowed)
        perform(actor=officer, code=d.code, action=action, now=now, params=ActionParams(
            electronic=True if action == "record_result" else None, as_applicant=action == "supplement"))
        done.append(action)
    assert {"record_result", "request_supplement", "supplement"} <= set(done), done
    for period in (m.Period(date(2026, 3, 1), date(2026, 3, 31)), m.Period(date(2026, 1, 1), date(2026, 3, 31))):
        assert verify(period, units) == [], period
    before = _rollup_rows()
    spans = set(MetricSpan.objects.values_list("dossier_id", "stock", "start", "end"))
    result = rollups.rebuild_all()
    assert result.facts == DossierFact.objects.count()
    assert _rollup_rows() == before
    assert set(MetricSpan.objects.values_list("dossier_id", "stock", "start", "end")) == spans


def test_imported_dossiers_feed_the_rollups(demo):
    lines = (ROOT / "docs" / "examples" / "dossiers.jsonl").read_text(encoding="utf-8").splitlines()
    written = importing.import_lines(lines)
    received = [d for d in written if d.received_at is not None]
    assert received and DossierFact.objects.count() == len(received)
    root = Unit.objects.get(code="000.00.00.H99")
    first = min(d.received_at for d in received).date()
    last = max(d.updated_at for d in written).date()
    period = m.Period(first - timedelta(days=1), last + timedelta(days=1))
    assert verify(period, [root]) == []
    assert selectors.ii06a(root, period).total.received_total == len(received)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_keeps_the_rollups_exact(desk):
    """Eight threads receive dossiers of the same unit and procedure at once, each on its own day of one month
    (the code counter serialises a unit's intake per day, not across days): they share the month row and
    each other's day rows (stock deltas land on the next days), upserted in key order — no deadlock, exact sums.
    (Actions on existing dossiers are serialised per unit by `perform`'s row lock, see the report.)"""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")

    def work(worker: int) -> int:
        try:
            for n in range(5):
                desk.receive("a", local(f"2026-04-{6 + worker:02d} 08:00") + timedelta(minutes=n),
                             vneid_verified=n % 2 == 0)
            return 5
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(work, range(8))) == 40
    a = desk.units["a"]
    assert verify(APRIL, [a]) == []
    assert selectors.ii06a(a, APRIL).total.received_total == 40
    assert selectors.service_index(a, APRIL).indicator("4.5").numerator == 8 * 3
    assert selectors.ii06a_dossiers("received_direct_postal", a, APRIL).count() == 40


def test_the_late_step_rollup_follows_every_step_change(desk):
    """Each event moves the late-step buckets of the steps it changes, in its own transaction: checked against
    a recomputation from the step rows after every event, and by hand."""
    zone = rollups.tz()
    running, late = int(LateStepKind.RUNNING), int(LateStepKind.FINISHED_LATE)

    def kinds() -> dict[int, int]:
        assert latesteps.compare(zone) == []
        out: dict[int, int] = {}
        for key, n in latesteps.stored().items():
            out[key[1]] = out.get(key[1], 0) + n
        return out

    d = desk.receive("a", "2026-04-06 08:00")
    assert kinds() == {running: 1}  # the reception step runs
    officer = desk.officers["a"]
    d = desk.act(d, "hand_over", "2026-04-09 08:00", holder=officer)  # days after the reception's due time
    assert kinds() == {late: 1, running: 1}
    assert {(k[1], k[4]) for k in latesteps.stored()} == {(late, 0), (running, officer.pk)}
    d = desk.act(d, "request_supplement", "2026-04-09 08:05", reason="Thiếu giấy tờ")  # clock stopped in time
    assert kinds() == {late: 1}
    d = desk.act(d, "supplement", "2026-04-10 08:00", as_applicant=True)  # the clock runs again
    assert kinds() == {late: 1, running: 1}
    desk.resolve(Dossier.objects.get(pk=d.pk), "2026-04-10 09:00")
    assert running not in kinds()
    latesteps.rebuild(zone)
    assert latesteps.compare(zone) == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_late_step_rollup_from_the_stored_steps(desk):
    """An installation that upgrades to the late-step rollup gets it filled from its steps at once."""
    from django.db.migrations.executor import MigrationExecutor

    d = desk.receive("a", "2026-04-06 08:00")
    desk.act(d, "hand_over", "2026-04-09 08:00")  # the reception step finished late, appraisal running
    desk.receive("b", "2026-04-07 08:00")
    zone = rollups.tz()
    kept = latesteps.stored()
    assert sum(kept.values()) == 3
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("metrics", "0001_metrics_initial")])  # drops the table
        executor.loader.build_graph()
        executor.migrate([("metrics", "0002_late_step_day")])
        assert latesteps.stored() == kept
        assert latesteps.compare(zone) == []
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
