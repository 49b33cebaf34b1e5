"""Dossier codes: format, per-unit per-day sequence, gap-free under concurrent intake (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections, transaction

from motcua.catalog.demo import seed_demo_catalogue
from motcua.catalog.models import Procedure
from motcua.dossiers.codes import format_code, next_code
from motcua.dossiers.models import Channel, Dossier, Status


def test_format() -> None:
    assert format_code("000.00.01.H12", date(2026, 2, 9), 7) == "000.00.01.H12-260209-0007"
    assert format_code("000.00.01.H12", date(2026, 12, 31), 12345) == "000.00.01.H12-261231-12345"


def _insert(unit, procedure, at: datetime) -> str:
    with transaction.atomic():
        code = next_code(unit.pk, unit.code, at)
        Dossier.objects.create(
            code=code, procedure=procedure, receiving_unit=unit, competent_unit=unit, current_unit=unit,
            channel=Channel.DIRECT, status=Status.RECEIVED, applicant_name="Nguyễn Văn A", received_at=at,
        )
    return code


@pytest.mark.django_db
def test_sequence_is_per_unit_and_per_local_day(province_tree) -> None:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]], communes=[t["a"]])
    proc = Procedure.objects.first()
    # 16:59 UTC on 9 Feb is 23:59 on 9 Feb in Vietnam; 17:00 UTC is already 10 Feb there.
    late = datetime(2026, 2, 9, 16, 59, tzinfo=UTC)
    next_day = datetime(2026, 2, 9, 17, 0, tzinfo=UTC)
    assert _insert(t["a"], proc, late) == "000.10.01.H12-260209-0001"
    assert _insert(t["a"], proc, late) == "000.10.01.H12-260209-0002"
    assert _insert(t["b"], proc, late) == "000.10.02.H12-260209-0001"
    assert _insert(t["a"], proc, next_day) == "000.10.01.H12-260210-0001"


@pytest.mark.django_db
def test_a_rolled_back_intake_gives_its_number_back(province_tree) -> None:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]], communes=[t["a"]])
    proc = Procedure.objects.first()
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_code(t["a"].pk, t["a"].code, at)
        raise RuntimeError("intake failed after taking a number")
    assert _insert(t["a"], proc, at).endswith("-0001")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_workers_2000_dossiers_no_duplicate_no_gap(province_tree) -> None:
    assert connection.vendor == "postgresql"
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]], communes=[t["a"]])
    proc = Procedure.objects.first()
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    _assert_gap_free(_in_eight_workers(lambda: _insert(t["a"], proc, at)))
    assert Dossier.objects.filter(receiving_unit=t["a"]).count() == 2000


def _in_eight_workers(intake: Callable[[], str]) -> list[str]:
    """The codes of 8 threads × 250 intakes started together, each thread on its own connection."""
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            mine = [intake() for _ in range(250)]
            with lock:
                codes.extend(mine)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    return codes


def _assert_gap_free(codes: list[str]) -> None:
    assert len(codes) == len(set(codes)) == 2000
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 2001))


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("number", [1, 42, 9999, 10000, 123456])
def test_the_one_statement_code_is_formatted_like_format_code(number: int) -> None:
    from motcua.dossiers.codes import code_expression

    day = date(2026, 12, 31)
    sql, params = code_expression("000.00.01.H12", day)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql} FROM (SELECT %s::bigint AS last) n", [*params, number])  # noqa: S608
        assert cursor.fetchone()[0] == format_code("000.00.01.H12", day, number)


def _intake(officer, unit, procedure, at: datetime) -> str:
    from motcua.dossiers.services import ApplicantData, ComponentData, create_dossier

    return create_dossier(
        actor=officer, procedure=procedure, receiving_unit=unit, channel=Channel.DIRECT,
        applicant=ApplicantData(name="Nguyễn Văn A", email="a@example.org"),
        components=[ComponentData(name="Tờ khai"), ComponentData(name="Bản sao", digitized=True)], now=at,
    ).code


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_workers_2000_intakes_through_the_one_statement_no_duplicate_no_gap(province_tree, make_officer):
    """The production path: the counter's UPSERT is a part of the intake's one statement (no explicit
    transaction), with the rollups' rows and the task row that every intake at the desk also updates."""
    from motcua.core.domain.permissions import Role
    from motcua.dossiers import services
    from motcua.metrics.models import RollupDay

    assert connection.vendor == "postgresql" and services.ONE_STATEMENT_INTAKE
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]], communes=[t["a"]])
    proc = Procedure.objects.get(code="1.001699")
    officer = make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER)
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    _assert_gap_free(_in_eight_workers(lambda: _intake(officer, t["a"], proc, at)))
    assert Dossier.objects.filter(receiving_unit=t["a"]).count() == 2000
    # Every intake counted once in the shared rollup rows, under concurrency.
    assert sum(RollupDay.objects.values_list("received_other", flat=True)) == 2000


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_one_statement_intake_leaves_nothing_and_gives_its_number_back(province_tree, make_officer,
                                                                                 monkeypatch, settings):
    from django.db import IntegrityError
    from django_tasks_db.models import DBTaskResult

    from motcua.core.domain.permissions import Role
    from motcua.core.pginsert import Part
    from motcua.dossiers import services
    from motcua.dossiers.models import DossierComponent, DossierEvent, StepExecution
    from motcua.metrics.models import DossierFact, RollupDay

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]], communes=[t["a"]])
    proc = Procedure.objects.get(code="1.001699")
    officer = make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER)
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    # The statement's last part (the task row) fails: a row without its required columns.
    failing = Part("t0", "INSERT INTO django_tasks_database_dbtaskresult (id) VALUES (gen_random_uuid()) "
                         "RETURNING 1", [])
    monkeypatch.setattr(services, "row_part", lambda name, obj: failing)
    with pytest.raises(IntegrityError):
        _intake(officer, t["a"], proc, at)
    for model in (Dossier, StepExecution, DossierComponent, DossierEvent, DossierFact, RollupDay, DBTaskResult):
        assert not model.objects.exists(), model
    monkeypatch.undo()
    assert _intake(officer, t["a"], proc, at).endswith("-0001")
    assert DBTaskResult.objects.count() == 1
