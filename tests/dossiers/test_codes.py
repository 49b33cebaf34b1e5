"""Dossier codes: format, per-unit per-day sequence, gap-free under concurrent intake (PostgreSQL)."""

from __future__ import annotations

import threading
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
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            mine = [_insert(t["a"], proc, at) for _ in range(250)]
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
    assert len(codes) == 2000
    assert len(set(codes)) == 2000
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 2001))
    assert Dossier.objects.filter(receiving_unit=t["a"]).count() == 2000
