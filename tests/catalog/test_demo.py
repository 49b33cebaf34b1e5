"""The demo catalogue: real procedures, valid step templates, parsed fees and limits."""

from __future__ import annotations

import pytest

from motcua.catalog import selectors
from motcua.catalog.demo import seed_demo_catalogue
from motcua.catalog.domain import compute_fee, step_share_problems
from motcua.catalog.models import FeeRule, Procedure, ProcessStep
from motcua.core.models import Unit
from motcua.workcalendar.domain import Limit, LimitKind

pytestmark = pytest.mark.django_db


def test_seeds_at_least_40_procedures_idempotently(province_tree: dict[str, Unit]) -> None:
    t = province_tree
    kwargs = {"province": t["province"], "centre": t["centre"], "departments": [t["dept"]],
              "communes": [t["a"], t["b"]]}
    first = seed_demo_catalogue(**kwargs)
    steps = ProcessStep.objects.count()
    second = seed_demo_catalogue(**kwargs)
    assert first == second == Procedure.objects.count() >= 40
    assert ProcessStep.objects.count() == steps


def test_every_step_template_is_valid(demo_catalogue: dict[str, Unit]) -> None:
    for procedure in Procedure.objects.all():
        hours = list(procedure.steps.filter(unit__isnull=True).values_list("hours", flat=True))
        assert hours, procedure.code
        assert step_share_problems(procedure.effective_limit, hours) == [], procedure.code


def test_certified_copy_fee(demo_catalogue: dict[str, Unit]) -> None:
    rule = selectors.fee_spec(FeeRule.objects.get(procedure__code="2.000815"))
    for pages in (1, 2, 3, 10, 150, 198, 199, 400):
        expected = min(200_000, 2_000 * min(pages, 2) + 1_000 * max(0, pages - 2))
        assert compute_fee(rule, pages=pages) == expected
    assert compute_fee(rule, pages=3, copies=2) == 10_000
    same_day = Procedure.objects.get(code="2.000815")
    assert same_day.legal_limit == Limit(LimitKind.SAME_DAY)
    assert not same_day.is_demo_data


def test_disability_certification_is_25_working_days_and_free(demo_catalogue: dict[str, Unit]) -> None:
    procedure = Procedure.objects.get(code="1.001699")
    assert procedure.legal_limit == Limit(LimitKind.WORKING_DAYS, 25)
    fees = [selectors.fee_spec(f) for f in procedure.fees.all()]
    assert fees and all(compute_fee(f, pages=5, copies=2, cases=2) == 0 for f in fees)
    assert not procedure.is_demo_data


def test_other_parsed_fees_and_demo_flags(demo_catalogue: dict[str, Unit]) -> None:
    signature = selectors.fee_spec(FeeRule.objects.get(procedure__code="2.000884"))
    assert compute_fee(signature, cases=3) == 30_000
    extract = selectors.fee_spec(FeeRule.objects.get(procedure__code="2.000635"))
    assert compute_fee(extract, copies=2) == 16_000
    unconfirmed = Procedure.objects.get(code="1.004222")
    assert unconfirmed.is_demo_data and "kiểm tra" in unconfirmed.demo_note
    assert unconfirmed.legal_limit == Limit(LimitKind.WORKING_DAYS, 7)
    assert Procedure.objects.get(code="1.013225").legal_limit_kind == LimitKind.CALENDAR_DAYS


def test_levels_and_competent_units(demo_catalogue: dict[str, Unit]) -> None:
    t = demo_catalogue
    birth = Procedure.objects.get(code="1.001193")
    assert list(birth.levels.values_list("level", flat=True)) == ["commune"]
    assert set(selectors.competent_units(birth)) == {t["a"], t["b"]}
    foreign = Procedure.objects.get(code="2.000528")  # former district level → commune
    assert "cấp huyện" in foreign.demo_note
    land = Procedure.objects.get(code="1.012753")
    assert list(land.levels.values_list("level", flat=True)) == ["province"]
    assert list(selectors.competent_units(land)) == [t["province"]]  # no land department in the tree
    assert selectors.procedures(unit=t["a"]).filter(code="1.001193").exists()
    assert not selectors.procedures(unit=t["a"]).filter(code="1.012753").exists()
