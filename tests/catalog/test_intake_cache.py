"""The in-process intake cache of the catalogue: reused between requests, dropped on any write, refreshed
from other processes' writes within its time to live, never filled from inside a transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Procedure, ProcessStep, UnitRoles
from motcua.core.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit reads, as in a server process

CODE = "1.001193"  # birth registration in the demo catalogue


def _intake_reads(unit: Unit) -> tuple[Procedure, list[str], tuple[frozenset[int], frozenset[str]], set[int]]:
    procedure = catalog.procedure_for_intake(CODE)
    assert procedure is not None
    steps = [s.name for s in catalog.step_template(procedure, unit)]
    return procedure, steps, catalog.competent_links(procedure), catalog.document_ids(procedure)


def test_second_intake_reads_the_catalogue_from_memory_and_agrees(demo_catalogue: dict[str, Unit]) -> None:
    unit = demo_catalogue["a"]
    with CaptureQueriesContext(connection) as first:
        procedure, steps, links, documents = _intake_reads(unit)
    with CaptureQueriesContext(connection) as second:
        again = _intake_reads(unit)
    assert len(first) >= 4 and len(second) == 0
    assert again == (procedure, steps, links, documents)
    # The same answers as the uncached readers.
    fresh = Procedure.objects.get(code=CODE)
    assert steps == [s.name for s in catalog.step_template(fresh, unit)]
    assert links == catalog.competent_links(fresh)
    assert documents == catalog.document_ids(fresh)
    assert documents and links[0] | links[1]


def test_a_write_in_this_process_is_seen_at_once(demo_catalogue: dict[str, Unit]) -> None:
    unit = demo_catalogue["a"]
    procedure, steps, _links, _docs = _intake_reads(unit)
    ProcessStep.objects.create(procedure=procedure, unit=None, order=99, name="Bước mới", role="specialist",
                               relative_unit="competent_unit", hours=4)
    _p, steps_after, _l, _d = _intake_reads(unit)
    assert steps_after == [*steps, "Bước mới"]


def test_a_write_by_another_process_is_seen_within_the_time_to_live(demo_catalogue: dict[str, Unit],
                                                                     settings: object) -> None:
    unit = demo_catalogue["a"]
    _intake_reads(unit)
    procedure = Procedure.objects.get(code=CODE)
    # Another process: plain UPDATEs send no signal here; the procedure row's updated_at moves as on any edit.
    Procedure.objects.filter(pk=procedure.pk).update(name="Đăng ký khai sinh (sửa)",
                                                     updated_at=timezone.now() + timedelta(seconds=1))
    assert catalog.procedure_for_intake(CODE).name != "Đăng ký khai sinh (sửa)"  # within the TTL: cached
    settings.MOTCUA_CATALOGUE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    assert catalog.procedure_for_intake(CODE).name == "Đăng ký khai sinh (sửa)"


def test_nothing_is_cached_from_inside_a_transaction(demo_catalogue: dict[str, Unit]) -> None:
    with transaction.atomic():
        procedure = catalog.procedure_for_intake(CODE)
        assert procedure is not None
        procedure.unit_links.filter(role=UnitRoles.COMPETENT).delete()  # not committed yet
        assert catalog.competent_links(procedure) == (frozenset(), frozenset())
        transaction.set_rollback(True)
    procedure = catalog.procedure_for_intake(CODE)
    assert catalog.competent_links(procedure) != (frozenset(), frozenset())


def test_an_unknown_code_is_none_and_not_cached(demo_catalogue: dict[str, Unit]) -> None:
    assert catalog.procedure_for_intake("9.999999") is None
    assert catalog.procedure_for_intake("9.999999") is None
