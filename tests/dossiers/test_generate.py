"""`motcua generate`: generated dossiers are consistent with the rules, numbered gap-free, plausibly mixed."""

from __future__ import annotations

import io
import itertools
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from motcua.catalog import selectors as catalog
from motcua.core.demo import load_demo_province
from motcua.core.models import Unit, User
from motcua.dossiers import domain as rules
from motcua.dossiers.generate import generate
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierCodeSequence,
    DossierComponent,
    DossierEvent,
    StepExecution,
)
from motcua.dossiers.services import ApplicantData, create_dossier

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNTIL = date(2026, 3, 2)


@pytest.fixture
def demo():
    load_demo_province()


def test_generated_dossiers_are_consistent(demo):
    result = generate(300, seed=5, until=UNTIL)
    assert result.dossiers == Dossier.objects.count() == 300
    assert DossierComponent.objects.count() == 900
    assert StepExecution.objects.count() == result.steps
    assert DossierEvent.objects.count() == result.events
    until = datetime(2026, 3, 2, tzinfo=VN)
    events = defaultdict(list)
    for e in DossierEvent.objects.order_by("dossier_id", "seq"):
        events[e.dossier_id].append(e)
    for d in Dossier.objects.all():
        state = rules.state_from_json(d.state)
        assert rules.state_to_json(state) == d.state
        assert (int(state.status), state.current_step, state.due_at, state.finished_at) == (
            d.status, d.current_step, d.due_at, d.finished_at)
        assert d.timeliness_at(d.updated_at) == rules.timeliness_of(state, d.updated_at)  # lists read columns
        evs = events[d.pk]
        assert [e.seq for e in evs] == list(range(1, len(evs) + 1))
        assert evs[0].from_status is None and evs[-1].to_status == d.status
        for before, after in itertools.pairwise(evs):
            assert after.from_status == before.to_status and after.at >= before.at
        assert evs[-1].at < until and d.submitted_at > until - timedelta(weeks=106)
        assert d.version == len(evs) - 1
        assert (d.current_step is not None) == (d.status in (4, 6) or (d.status == 5 and d.received_at is not None))
    # Codes: unique, `{unit}-{yyMMdd}-{NNNN}`, numbered 1..k per unit and day, counters up to date.
    by_day: dict[str, list[int]] = defaultdict(list)
    for code, unit_code, submitted in Dossier.objects.values_list("code", "receiving_unit__code", "submitted_at"):
        prefix, number = code.rsplit("-", 1)
        assert prefix == f"{unit_code}-{submitted.astimezone(VN):%y%m%d}"
        by_day[prefix].append(int(number))
    for numbers in by_day.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert sum(s.last for s in DossierCodeSequence.objects.all()) == 300
    # Mixes.
    statuses = Counter(Dossier.objects.values_list("status", flat=True))
    finished = sum(statuses[s] for s in (3, 7, 8, 9, 10)) / 300
    assert 0.55 <= finished <= 0.85, statuses
    online = Dossier.objects.filter(channel=Channel.ONLINE).count() / 300
    assert 0.25 <= online <= 0.55
    assert Dossier.objects.filter(supplement_requests__gte=1).exists()
    digitized = DossierComponent.objects.filter(digitized=True).count() / 900
    assert 0.3 < digitized < 0.95
    resolved = [rules.state_from_json(d.state) for d in Dossier.objects.filter(status__in=(9, 10))]
    timeliness = Counter(rules.timeliness_of(s, until) for s in resolved)
    assert timeliness[rules.Timeliness.EARLY] and timeliness[rules.Timeliness.LATE], timeliness


def test_same_seed_same_data_and_live_intake_continues(demo):
    def snapshot():
        return list(Dossier.objects.order_by("id").values_list("code", "status", "applicant_name", "received_at"))

    generate(40, seed=11, until=UNTIL)
    first = snapshot()
    DossierEvent.objects.all().delete()
    Dossier.objects.all().delete()
    DossierCodeSequence.objects.all().delete()
    generate(40, seed=11, until=UNTIL)
    assert [r[1:] for r in snapshot()] == [r[1:] for r in first]
    assert [r[0] for r in snapshot()] == [r[0] for r in first]
    # A live intake on a generated unit-day continues the numbering and the id sequence.
    d = Dossier.objects.order_by("submitted_at").filter(channel=Channel.DIRECT).first()
    unit = Unit.objects.get(pk=d.receiving_unit_id)
    live = create_dossier(actor=User.objects.get(username="admin"), procedure=catalog.procedure_by_code("2.000815")
                          if unit.kind == "commune" else d.procedure, receiving_unit=unit, channel=Channel.DIRECT,
                          applicant=ApplicantData(name="Nguyễn Văn Mới"), now=d.received_at + timedelta(minutes=1))
    prefix = d.code.rsplit("-", 1)[0]
    taken = Dossier.objects.filter(code__startswith=prefix).exclude(pk=live.pk).count()
    assert live.code == f"{prefix}-{taken + 1:04d}"
    assert live.pk > max(Dossier.objects.exclude(pk=live.pk).values_list("pk", flat=True))


def test_command_loads_the_demo_when_missing_and_prints_the_mix():
    out, err = io.StringIO(), io.StringIO()
    call_command("generate", "--dossiers", "50", "--seed", "3", "--until", "2026-03-02", stdout=out, stderr=err)
    assert "Loading the demo province" in err.getvalue()
    assert "generated 50/50 dossiers" in err.getvalue()
    assert "Generated 50 dossiers" in out.getvalue()
    assert Dossier.objects.count() == 50


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_copy_path_keeps_referential_integrity(demo):
    assert connection.vendor == "postgresql"
    generate(200, seed=9, until=UNTIL)
    with connection.cursor() as cursor:
        for sql in (
            "SELECT count(*) FROM dossiers_stepexecution s LEFT JOIN dossiers_dossier d ON d.id = s.dossier_id "
            "WHERE d.id IS NULL",
            "SELECT count(*) FROM dossiers_dossierevent e LEFT JOIN dossiers_dossier d ON d.id = e.dossier_id "
            "WHERE d.id IS NULL",
            "SELECT count(*) FROM dossiers_dossiercomponent c LEFT JOIN dossiers_dossier d ON d.id = c.dossier_id "
            "WHERE d.id IS NULL",
            "SELECT count(*) FROM dossiers_dossier d LEFT JOIN core_unit u ON u.id = d.current_unit_id "
            "WHERE u.id IS NULL",
        ):
            cursor.execute(sql)
            assert cursor.fetchone()[0] == 0, sql
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # SET LOCAL only
