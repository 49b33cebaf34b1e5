"""One small hand-counted data set per indicator (commune A, April 2026), through the services."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from motcua.catalog.models import OnlineLevels, Procedure, ResultKinds
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ComponentData
from motcua.metrics import domain as m
from motcua.metrics import rollups, selectors

from .conftest import PROCEDURE, Desk
from .test_rollups_db import APRIL

pytestmark = pytest.mark.django_db


def _components(desk: Desk, at: str, *flags: dict[str, bool]) -> Dossier:
    return desk.receive("a", at, components=[ComponentData(name=f"Giấy tờ {i}", **f) for i, f in enumerate(flags)])


def synced(desk: Desk) -> None:
    for n, sync in enumerate((True, True, False)):
        d = desk.receive("a", f"2026-04-0{6 + n} 08:00")
        if sync:  # what the national-portal sync will do, then tell the rollups
            Dossier.objects.filter(pk=d.pk).update(synced_to_national_portal=True)
            rollups.refresh(d.pk)
    desk.receive("a", "2026-03-30 08:00")  # received before April: not in the denominator


def online(desk: Desk) -> None:
    on_paper = desk.receive("a", "2026-04-06 08:00", online=True)
    desk.act(on_paper, "accept", "2026-04-06 08:10")
    desk.resolve(Dossier.objects.get(pk=on_paper.pk), "2026-04-07 08:00", electronic=False)  # paper result: no
    on_e = desk.receive("a", "2026-04-06 09:00", online=True)
    desk.act(on_e, "accept", "2026-04-06 09:10")
    desk.resolve(Dossier.objects.get(pk=on_e.pk), "2026-04-07 09:00", electronic=True)  # counts
    waiting = desk.receive("a", "2026-04-06 10:00", online=True)
    desk.act(waiting, "accept", "2026-04-06 10:10")  # no result yet: not yet (paper-result procedure)
    desk.receive("a", "2026-04-06 11:00")  # at the counter
    never = desk.receive("a", "2026-04-06 12:00", online=True)  # never accepted: not received, not counted
    del never


def online_used(desk: Desk) -> None:
    d = desk.receive("a", "2026-04-06 08:00", online=True)
    desk.act(d, "accept", "2026-04-06 08:10")  # the procedure has an online dossier in April


def paid(desk: Desk) -> None:
    for n, (fee, pay) in enumerate(((50_000, True), (50_000, False), (0, False), (20_000, True))):
        d = desk.receive("a", f"2026-04-0{6 + n} 08:00", fee_total=fee)
        if pay:  # a payment-platform callback
            Dossier.objects.filter(pk=d.pk).update(paid_online=True)
            rollups.refresh(d.pk)


def results(desk: Desk) -> None:
    for n, electronic in enumerate((True, False, True)):
        d = desk.receive("a", f"2026-04-0{6 + n} 08:00")
        desk.resolve(d, f"2026-04-0{7 + n} 08:00", electronic=electronic)
    desk.receive("a", "2026-04-06 09:00")  # no result: not counted
    late = desk.receive("a", "2026-03-20 08:00")
    desk.resolve(late, "2026-03-23 08:00", electronic=True)  # resolved in March: not counted


def digitized(desk: Desk) -> None:
    _components(desk, "2026-04-06 08:00", {"digitized": True}, {"digitized": True})  # counts (no result yet)
    _components(desk, "2026-04-06 09:00", {"digitized": True}, {"digitized": False})  # one paper component
    resolved = _components(desk, "2026-04-06 10:00", {"digitized": True})
    desk.resolve(resolved, "2026-04-07 08:00", electronic=False)  # paper result: not digitized
    desk.receive("a", "2026-04-06 11:00")  # no component at all: not digitized


def reused(desk: Desk) -> None:
    _components(desk, "2026-04-06 08:00", {"digitized": True, "reused": True}, {"digitized": True})
    _components(desk, "2026-04-06 09:00", {"digitized": True})
    _components(desk, "2026-04-06 10:00", {"digitized": True, "from_citizen_store": True})


def vneid(desk: Desk) -> None:
    desk.receive("a", "2026-04-06 08:00", vneid_verified=True)
    desk.receive("a", "2026-04-06 09:00")


def no_procedure_online(desk: Desk) -> None:
    competent = selectors.indicator_procedures("3.1", "denominator", desk.units["a"], APRIL)
    Procedure.objects.filter(pk__in=competent.values("pk")[:3]).update(online_level=OnlineLevels.NONE)


def paper_results_become_electronic(desk: Desk) -> None:
    Procedure.objects.filter(code=PROCEDURE).update(result_kind=ResultKinds.ELECTRONIC)
    online(desk)


COMPETENT = 42  # commune procedures of the demo catalogue (all partly or fully online)
CASES: list[tuple[str, Callable[[Desk], None], tuple[int, int] | None]] = [
    ("1.4", synced, (2, 3)),
    ("3.1", lambda desk: None, (COMPETENT, COMPETENT)),
    ("3.1", no_procedure_online, (COMPETENT - 3, COMPETENT)),
    ("3.2", lambda desk: None, (0, COMPETENT)),
    ("3.2", online_used, (1, COMPETENT)),
    ("3.3", online, (1, 4)),
    ("3.3", paper_results_become_electronic, (3, 4)),  # an electronic-result procedure: every online dossier
    ("3.5", paid, None),  # checked below: depends on the catalogue's fees
    ("3.6", paid, (2, 3)),  # paid online of the dossiers with a fee (zero-fee one excluded)
    ("4.1", results, (2, 3)),
    ("4.2", digitized, (1, 4)),
    ("4.3", reused, (1, 3)),
    ("4.4", reused, (1, 3)),
    ("4.5", vneid, (1, 2)),
    ("1.4", lambda desk: None, None),  # nothing received: no data
    ("2.1", lambda desk: None, None),
]


@pytest.mark.parametrize(("code", "setup", "expected"), CASES,
                         ids=[f"{c}-{getattr(s, '__name__', 'none')}" for c, s, _e in CASES])
def test_indicator_table(desk, code, setup, expected):
    setup(desk)
    a = desk.units["a"]
    result = selectors.service_index(a, APRIL).indicator(code)
    if code == "3.5":
        with_fees = selectors.indicator_procedures("3.5", "denominator", a, APRIL)
        paid_procedures = selectors.indicator_procedures("3.5", "numerator", a, APRIL)
        assert PROCEDURE in {p.code for p in with_fees} or not with_fees.filter(code=PROCEDURE).exists()
        assert (result.numerator, result.denominator) == (paid_procedures.count(), with_fees.count())
        assert set(paid_procedures.values_list("code", flat=True)) <= ({PROCEDURE} & set(
            with_fees.values_list("code", flat=True)))
        return
    if expected is None:
        assert not result.has_data and result.numerator is None and result.value is None
        assert result.no_data_reason
        return
    assert (result.numerator, result.denominator) == expected
    spec = m.DEFAULT.indicator(code)
    assert result.value == m.score(*expected, spec.points, spec.threshold).score  # type: ignore[union-attr]
    if result.source is m.Source.DOSSIERS:
        assert selectors.indicator_dossiers(code, "numerator", a, APRIL).count() == expected[0]
        assert selectors.indicator_dossiers(code, "denominator", a, APRIL).count() == expected[1]
    else:
        assert selectors.indicator_procedures(code, "numerator", a, APRIL).count() == expected[0]
        assert selectors.indicator_procedures(code, "denominator", a, APRIL).count() == expected[1]


def test_thresholds_give_full_points_and_a_province_can_revise_them(desk, settings):
    online(desk)  # 3.3: 1 of 4 = 25 %, threshold 50 % → half of its 4 points
    a = desk.units["a"]
    assert selectors.service_index(a, APRIL).indicator("3.3").value == Fraction(2)
    settings.MOTCUA_SERVICE_INDEX = {"indicators": {"3.1": {"points": 2}, "3.3": {"points": 6, "threshold": 0.25}}}
    revised = selectors.service_index(a, APRIL).indicator("3.3")
    assert (revised.value, revised.points, revised.threshold) == (Fraction(6), Decimal(6), Decimal("0.25"))
    group = next(g for g in selectors.service_index(a, APRIL).groups if g.group is m.Group.ONLINE_SERVICE)
    assert group.max_score == 2 + 4 + 6


def test_a_wrong_province_configuration_stops_the_report(desk, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.MOTCUA_SERVICE_INDEX = {"indicators": {"2.1": {"points": 25}}}
    with pytest.raises(ImproperlyConfigured, match="more than its maximum"):
        selectors.service_index(desk.units["a"], APRIL)


def test_the_configuration_file_hook(desk, tmp_path, monkeypatch):
    path = tmp_path / "index.json"
    path.write_text('{"indicators": {"4.5": {"points": 2}}}', encoding="utf-8")
    monkeypatch.setenv("MOTCUA_SERVICE_INDEX_FILE", str(path))
    assert selectors.service_index(desk.units["a"], APRIL).indicator("4.5").points == 2
    path.write_text("{not json", encoding="utf-8")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MOTCUA_SERVICE_INDEX_FILE"):
        selectors.service_index(desk.units["a"], APRIL)


def test_unit_totals_add_up_over_the_tree(desk):
    for at in ("2026-04-06 08:00", "2026-04-07 08:00"):
        desk.receive("a", at)
    desk.receive("b", "2026-04-06 08:00")
    units = desk.units
    received = {k: selectors.ii06a(u, APRIL).total.received_total for k, u in units.items()}
    assert received == {"province": 3, "centre": 0, "dept": 0, "division": 0, "a": 2, "b": 1}
    assert not selectors.service_index(units["division"], APRIL).indicator("2.1").has_data
    assert selectors.service_index(units["province"], APRIL).indicator("2.1").denominator == 3
