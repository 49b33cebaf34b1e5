"""Readers of the reports: the Decision 766 service index, Biểu II.06a, and the drill-downs behind every figure.

Every figure is an indexed aggregate over the small `RollupDay` rows (one query for any number of units),
never a scan of dossiers. A unit's figures cover its whole subtree (a department with its divisions, the
province with everything) and count dossiers by their *competent* unit. The drill-downs list the
dossiers (or procedures) behind a numerator or a denominator from `DossierFact`/`MetricSpan`, with the
same period rules; they are querysets, paginated in SQL by the caller.

Pass `user` from interfaces: the unit must be in the user's reach for `report.view` (else
`PermissionDenied`), and drill-down lists only show dossiers the user may see (`dossier.view`). `user=None`
is the operator (management commands).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, When
from django.utils.translation import gettext as _

from motcua.catalog.models import FeeRule, OnlineLevels, Procedure, ProcedureUnit, ResultKinds, UnitRoles
from motcua.core.domain.permissions import Action
from motcua.core.models import Unit
from motcua.core.permissions import can, units_for
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import visible_dossiers
from motcua.dossiers.worklists import Sort, decode_cursor, encode_cursor
from motcua.metrics import domain as m
from motcua.metrics.config import index_config
from motcua.metrics.indicators import (
    GROUP_NAMES,
    INDICATOR_NAMES,
    INDICATOR_PARTS,
    NO_DATA_COUNT,
    NO_DATA_FEEDBACK,
)
from motcua.metrics.models import DossierFact, FactStanding, MetricSpan, RollupDay, RollupMonth
from motcua.metrics.rollups import tz

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

FLOWS = tuple(c.value for c in m.Measure if not c.value.endswith("_delta"))
STOCKS = ("open_start", "open_end", "supplement_on_time_end", "supplement_late_end", "overdue_end")
_COLUMNS = (*FLOWS, *STOCKS)
_INDEX = {name: i for i, name in enumerate(_COLUMNS)}


class Part(StrEnum):
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"


# ---------------------------------------------------------------------------------------------------------
# Units, procedures, sums


def _check(user: User | AnonymousUser | None, unit: Unit) -> None:
    if user is not None and not can(user, Action.REPORT_VIEW, unit):
        raise PermissionDenied(_("You cannot see the reports of this unit."))


def report_units(user: User | AnonymousUser | None = None) -> QuerySet[Unit]:
    """The active units whose reports `user` may see (all for the operator), in tree order."""
    qs = Unit.objects.filter(is_active=True) if user is None else units_for(user, Action.REPORT_VIEW).filter(
        is_active=True)
    return qs.order_by("path")


def unit_by_code(code: str, user: User | AnonymousUser | None = None) -> Unit | None:
    return report_units(user).filter(code=code).first()


def default_unit(user: User | AnonymousUser | None = None) -> Unit | None:
    """The top unit of the user's reach (the province for the operator)."""
    return report_units(user).order_by("depth", "path").first()


def _subtree(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


@dataclass(frozen=True)
class _Procedure:
    id: int
    field_id: int
    paper: bool
    online_service: bool
    with_fees: bool


def _procedures() -> dict[int, _Procedure]:
    with_fees = set(FeeRule.objects.filter(Q(amount__gt=0) | Q(kind="tiered_page")).values_list(
        "procedure_id", flat=True))
    return {
        pk: _Procedure(pk, field_id, result_kind == ResultKinds.PAPER, online != OnlineLevels.NONE, pk in with_fees)
        for pk, field_id, result_kind, online in Procedure.objects.values_list("pk", "field_id", "result_kind",
                                                                               "online_level")
    }


def _competent(units: Sequence[Unit]) -> dict[int, set[int]]:
    """The active procedures in each unit's competence (its subtree's), by unit id."""
    active = set(Procedure.objects.filter(is_active=True).values_list("pk", flat=True))
    by_unit: dict[int, set[int]] = defaultdict(set)
    by_kind: dict[str, set[int]] = defaultdict(set)
    for procedure_id, unit_id, kind in ProcedureUnit.objects.filter(role=UnitRoles.COMPETENT).values_list(
            "procedure_id", "unit_id", "unit_kind"):
        if procedure_id in active:
            (by_unit[unit_id] if unit_id else by_kind[kind]).add(procedure_id)
    wanted = {u.path: u.pk for u in units}
    out: dict[int, set[int]] = {u.pk: set() for u in units}
    for pk, path, kind in Unit.objects.filter(is_active=True).values_list("pk", "path", "kind"):
        procs = by_unit.get(pk, set()) | by_kind.get(kind, set())
        if procs:
            for target in _ancestors(path, wanted):
                out[target] |= procs
    return out


def _ancestors(path: str, wanted: dict[str, int]) -> Iterable[int]:
    """The ids of the `wanted` units (by path) whose subtree holds the unit at `path` (itself included)."""
    cut = 0
    while True:
        cut = path.find("/", cut) + 1
        if cut == 0:
            return
        target = wanted.get(path[:cut])
        if target is not None:
            yield target


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _sums(period: m.Period, unit_ids: Sequence[int] | None) -> dict[tuple[int, int], list[int]]:
    """Per (unit, procedure): the flows of the period and the stocks at its start and end.

    Two indexed aggregates: month rows for the whole months inside the period and for the stocks before the
    boundaries' months; day rows for the rest (the partial months at the edges, the days of the boundaries'
    months up to the boundary). Stock at the boundary of day D = Σ deltas of the days ≤ D.
    """
    first, last, end = period.first, period.last, period.end_day
    start_month, end_month = first.replace(day=1), end.replace(day=1)
    full_first = first if first.day == 1 else _next_month(first)
    full_last = last if (last + timedelta(days=1)).day == 1 else last.replace(day=1) - timedelta(days=1)
    whole = full_first <= full_last
    flow_days = (Q(day__gte=first, day__lt=full_first) | Q(day__gt=full_last, day__lte=last)) if whole else Q(
        day__gte=first, day__lte=last)

    def total(condition: Q, column: str) -> Sum:
        return Sum(Case(When(condition, then=F(column)), default=0, output_field=IntegerField()))

    def query(model: Any, key: str, flows: Q, before_start: Q, before_end: Q, where: Q) -> Any:
        qs = model.objects.filter(where)
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=list(unit_ids))
        return qs.values("unit_id", "procedure_id").annotate(
            **{c: total(flows, c) for c in FLOWS},
            open_start=total(before_start, "open_delta"),
            open_end=total(before_end, "open_delta"),
            supplement_on_time_end=total(before_end, "supplement_on_time_delta"),
            supplement_late_end=total(before_end, "supplement_late_delta"),
            overdue_end=total(before_end, "overdue_delta"),
        ).values_list("unit_id", "procedure_id", *_COLUMNS)

    months = query(RollupMonth, "month",
                   Q(month__gte=full_first, month__lte=full_last) if whole else Q(pk__in=[]),
                   Q(month__lt=start_month), Q(month__lt=end_month), Q(month__lt=end_month))
    days = query(RollupDay, "day", flow_days, Q(day__gte=start_month, day__lte=first),
                 Q(day__gte=end_month, day__lte=end),
                 flow_days | Q(day__gte=start_month, day__lte=first) | Q(day__gte=end_month, day__lte=end))
    out: dict[tuple[int, int], list[int]] = {}
    for rows in (months, days):
        for r in rows:
            values = out.setdefault((r[0], r[1]), [0] * len(_COLUMNS))
            for i, v in enumerate(r[2:]):
                values[i] += int(v or 0)
    return out


def _by_procedure(sums: dict[tuple[int, int], list[int]], unit_ids: set[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for (unit_id, procedure_id), values in sums.items():
        if unit_id in unit_ids:
            row = out.setdefault(procedure_id, [0] * len(_COLUMNS))
            for i, v in enumerate(values):
                row[i] += v
    return out


def _total(rows: Iterable[list[int]]) -> list[int]:
    total = [0] * len(_COLUMNS)
    for values in rows:
        for i, v in enumerate(values):
            total[i] += v
    return total


def _counts(v: list[int]) -> m.Ii06aCounts:
    g = _INDEX
    return m.Ii06aCounts(
        received_online=v[g["received_online"]], received_other=v[g["received_other"]],
        carried_over=v[g["open_start"]], finished_early=v[g["finished_early"]],
        finished_on_time=v[g["finished_on_time"]], finished_late=v[g["finished_late"]],
        supplement_on_time=v[g["supplement_on_time_end"]], supplement_late=v[g["supplement_late_end"]],
        open_at_end=v[g["open_end"]], overdue_at_end=v[g["overdue_end"]],
    )


# ---------------------------------------------------------------------------------------------------------
# The service index


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    name: str
    group: m.Group
    numerator: int | None
    denominator: int | None
    score: m.Score | None
    points: Decimal
    threshold: Decimal | None
    source: m.Source
    numerator_label: str
    denominator_label: str
    no_data_reason: str = ""

    @property
    def has_data(self) -> bool:
        return self.score is not None

    @property
    def ratio(self) -> Fraction | None:
        return None if self.score is None else self.score.ratio

    @property
    def value(self) -> Fraction | None:
        return None if self.score is None else self.score.score


@dataclass(frozen=True)
class GroupResult:
    group: m.Group
    name: str
    score: Fraction
    max_score: Fraction
    full_max_score: Fraction
    with_data: int
    indicators: int


@dataclass(frozen=True)
class ServiceIndex:
    unit: Unit
    period: m.Period
    indicators: list[IndicatorResult]
    groups: list[GroupResult]
    total: Fraction
    total_max: Fraction
    counts: m.Ii06aRow = field(repr=False)

    def indicator(self, code: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.code == code)

    def drilldown(self, code: str, part: Part | str, *, user: User | AnonymousUser | None = None) -> QuerySet[Any]:
        """What an indicator's numerator or denominator counts: dossiers, or procedures for 3.1, 3.2 and 3.5
        (ValueError for the feedback indicators, which have no data yet)."""
        source = self.indicator(code).source
        if source is m.Source.PROCEDURES:
            return indicator_procedures(code, part, self.unit, self.period, user=user)
        if source is m.Source.FEEDBACK:
            raise ValueError(f"indicator {code} has no data yet")
        return indicator_dossiers(code, part, self.unit, self.period, user=user)


def _ratio_pairs(by_proc: dict[int, list[int]], procs: dict[int, _Procedure], competent: set[int]
                 ) -> dict[str, tuple[int, int]]:
    g = _INDEX
    total = _total(by_proc.values())
    received = total[g["received_online"]] + total[g["received_other"]]
    row = m.ii06a_row(_counts(total))

    def col(name: str, only: Any = None) -> int:
        return sum(v[g[name]] for p, v in by_proc.items() if only is None or only(procs[p]))

    online_ok = sum(v[g["online_eresult"]] if procs[p].paper else v[g["received_online"]] for p, v in by_proc.items())
    online_services = {p for p in competent if procs[p].online_service}
    with_fees = {p for p in competent if procs[p].with_fees}
    used_online = {p for p, v in by_proc.items() if v[g["received_online"]] > 0}
    paid_online = {p for p, v in by_proc.items() if v[g["paid_online"]] > 0}
    return {
        "1.4": (total[g["synced"]], received),
        "2.1": (row.on_time_or_early, row.received_total),
        "3.1": (len(online_services), len(competent)),
        "3.2": (len(online_services & used_online), len(online_services)),
        "3.3": (online_ok, received),
        "3.5": (len(with_fees & paid_online), len(with_fees)),
        "3.6": (total[g["paid_online"]], total[g["with_fee"]]),
        "4.1": (col("resolved_eresult", lambda p: p.paper), col("resolved", lambda p: p.paper)),
        "4.2": (total[g["digitized"]], received),
        "4.3": (total[g["reused"]], received),
        "4.4": (total[g["citizen_store"]], received),
        "4.5": (total[g["vneid"]], received),
    }


def _index_for(unit: Unit, period: m.Period, config: m.IndexConfig, by_proc: dict[int, list[int]],
               procs: dict[int, _Procedure], competent: set[int]) -> ServiceIndex:
    pairs = _ratio_pairs(by_proc, procs, competent)
    results: list[IndicatorResult] = []
    scores: dict[str, m.Score | None] = {}
    for spec in config.indicators:
        pair = pairs.get(spec.code)
        num_label, den_label = (str(x) for x in INDICATOR_PARTS[spec.code])
        if pair is None:  # feedback and ratings: not built yet
            scores[spec.code] = None
            results.append(IndicatorResult(spec.code, str(INDICATOR_NAMES[spec.code]), spec.group, None, None, None,
                                           spec.points, spec.threshold, spec.source, num_label, den_label,
                                           str(NO_DATA_FEEDBACK)))
            continue
        numerator, denominator = pair
        s = m.score(numerator, denominator, spec.points, spec.threshold)
        scores[spec.code] = s
        results.append(IndicatorResult(
            spec.code, str(INDICATOR_NAMES[spec.code]), spec.group, numerator if s else None,
            denominator if s else None, s, spec.points, spec.threshold, spec.source, num_label, den_label,
            "" if s else str(NO_DATA_COUNT)))
    groups = [GroupResult(g.group, str(GROUP_NAMES[g.group]), g.score, g.max_score, g.full_max_score, g.with_data,
                          g.indicators) for g in m.group_scores(config, scores)]
    return ServiceIndex(unit, period, results, groups, sum((g.score for g in groups), Fraction(0)),
                        sum((g.max_score for g in groups), Fraction(0)), m.ii06a_row(_counts(_total(by_proc.values()))))


def service_index(unit: Unit, period: m.Period, *, user: User | AnonymousUser | None = None,
                  config: m.IndexConfig | None = None) -> ServiceIndex:
    """The Decision 766 index of `unit` (its subtree) for `period`."""
    _check(user, unit)
    ids = _subtree(unit)
    sums = _sums(period, ids)
    return _index_for(unit, period, config or index_config(), _by_procedure(sums, set(ids)), _procedures(),
                      _competent([unit])[unit.pk])


def service_indexes(period: m.Period, *, user: User | AnonymousUser | None = None, root: Unit | None = None,
                    config: m.IndexConfig | None = None) -> list[ServiceIndex]:
    """The index of every unit in reach (or in `root`'s subtree), from one rollup query."""
    units = list(report_units(user))
    if root is not None:
        _check(user, root)
        units = [u for u in units if u.path.startswith(root.path)]
    if not units:
        return []
    config = config or index_config()
    all_units = list(Unit.objects.values_list("pk", "path"))
    sums = _sums(period, None if root is None and user is None else
                 [pk for pk, path in all_units if any(path.startswith(u.path) for u in units)])
    # Per unit: its own rows, then added into every ancestor listed.
    path_of = dict(all_units)
    wanted = {u.path: u.pk for u in units}
    by_unit: dict[int, dict[int, list[int]]] = {u.pk: {} for u in units}
    for (unit_id, procedure_id), values in sums.items():
        for target in _ancestors(path_of.get(unit_id, ""), wanted):
            row = by_unit[target].setdefault(procedure_id, [0] * len(_COLUMNS))
            for i, v in enumerate(values):
                row[i] += v
    procs = _procedures()
    competent = _competent(units)
    return [_index_for(u, period, config, by_unit[u.pk], procs, competent[u.pk]) for u in units]


# ---------------------------------------------------------------------------------------------------------
# Biểu II.06a


@dataclass(frozen=True)
class Ii06aLine:
    field_id: int | None
    field_code: str
    field_name: str
    row: m.Ii06aRow


@dataclass(frozen=True)
class Ii06aReport:
    unit: Unit
    period: m.Period
    lines: list[Ii06aLine]
    total: m.Ii06aRow


def ii06a(unit: Unit, period: m.Period, *, user: User | AnonymousUser | None = None) -> Ii06aReport:
    """Biểu II.06a of `unit` (its subtree) for `period`: a row per field with dossiers, and the total."""
    _check(user, unit)
    ids = _subtree(unit)
    by_proc = _by_procedure(_sums(period, ids), set(ids))
    field_of = dict(Procedure.objects.filter(pk__in=list(by_proc)).values_list("pk", "field_id"))
    by_field: dict[int, list[list[int]]] = defaultdict(list)
    for procedure_id, values in by_proc.items():
        by_field[field_of[procedure_id]].append(values)
    from motcua.catalog.models import Field

    fields = {f.pk: f for f in Field.objects.filter(pk__in=list(by_field))}
    lines = []
    for field_id, rows in by_field.items():
        row = m.ii06a_row(_counts(_total(rows)))
        if any(row.values()):
            f = fields[field_id]
            lines.append(Ii06aLine(field_id, f.code, f.name, row))
    lines.sort(key=lambda line: line.field_name)
    return Ii06aReport(unit, period, lines, m.ii06a_row(_counts(_total(by_proc.values()))))


# ---------------------------------------------------------------------------------------------------------
# Drill-downs


@dataclass(frozen=True)
class _Scope:
    unit_ids: list[int]
    start: datetime
    end: datetime


def _scope(unit: Unit, period: m.Period) -> _Scope:
    zone = tz()
    return _Scope(_subtree(unit), period.start(zone), period.end(zone))


def _facts(s: _Scope) -> QuerySet[DossierFact]:
    return DossierFact.objects.filter(unit_id__in=s.unit_ids)


def _received(s: _Scope) -> Q:
    return Q(received_at__gte=s.start, received_at__lt=s.end)


def _population(s: _Scope) -> Q:
    return Q(received_at__lt=s.end) & (Q(finished_at__isnull=True) | Q(finished_at__gte=s.start))


def _carried(s: _Scope) -> Q:
    return Q(received_at__lt=s.start) & (Q(finished_at__isnull=True) | Q(finished_at__gte=s.start))


def _finished(s: _Scope) -> Q:
    return Q(finished_at__gte=s.start, finished_at__lt=s.end)


def _open_at_end(s: _Scope) -> Q:
    return Q(received_at__lt=s.end) & (Q(finished_at__isnull=True) | Q(finished_at__gte=s.end))


def _in_stock(s: _Scope, *stocks: m.Stock) -> Q:
    """Dossiers in one of `stocks` just before the period end (a fact filter)."""
    spans = MetricSpan.objects.filter(unit_id__in=s.unit_ids, stock__in=[x.value for x in stocks],
                                      start__lt=s.end).filter(Q(end__isnull=True) | Q(end__gte=s.end))
    found = Q(dossier_id__in=spans.values("dossier_id"))
    if m.Stock.OVERDUE in stocks:  # the overdue interval still open lives on the fact
        found |= Q(overdue_since__lt=s.end)
    return found


_SUPPLEMENT = (m.Stock.SUPPLEMENT_ON_TIME, m.Stock.SUPPLEMENT_LATE)


def _ii06a_q(column: str, s: _Scope) -> Q:
    early, on_time, late = FactStanding.EARLY, FactStanding.ON_TIME, FactStanding.LATE
    open_end = _open_at_end(s)
    cells = {
        "received_total": _population(s),
        "received_online": _received(s) & Q(online=True),
        "received_direct_postal": _received(s) & Q(online=False),
        "carried_over": _carried(s),
        "resolved_total": _finished(s) | (open_end & _in_stock(s, *_SUPPLEMENT)),
        "resolved_early": _finished(s) & Q(standing=early),
        "resolved_on_time": (_finished(s) & Q(standing=on_time))
        | (open_end & _in_stock(s, m.Stock.SUPPLEMENT_ON_TIME)),
        "resolved_late": (_finished(s) & Q(standing=late)) | (open_end & _in_stock(s, m.Stock.SUPPLEMENT_LATE)),
        "in_progress_total": open_end & ~_in_stock(s, *_SUPPLEMENT),
        "in_progress_in_time": open_end & ~_in_stock(s, *_SUPPLEMENT, m.Stock.OVERDUE),
        "in_progress_overdue": open_end & _in_stock(s, m.Stock.OVERDUE),
    }
    if column not in cells:
        raise ValueError(f"unknown Biểu II.06a column {column!r}; one of {', '.join(m.II06A_COLUMNS)}")
    return cells[column]


def _paper() -> QuerySet[Procedure]:
    return Procedure.objects.filter(result_kind=ResultKinds.PAPER)


def _indicator_q(code: str, part: Part, s: _Scope) -> Q:
    received = _received(s)
    numerators: dict[str, Q] = {
        "1.4": Q(synced=True),
        "3.3": Q(online=True) & (~Q(procedure__in=_paper()) | Q(eresult=True)),
        "3.6": Q(paid_online=True),
        "4.1": Q(eresult=True),
        "4.2": Q(digitized=True),
        "4.3": Q(reused=True),
        "4.4": Q(citizen_store=True),
        "4.5": Q(vneid=True),
    }
    if code == "2.1":
        if part is Part.DENOMINATOR:
            return _population(s)
        return (_finished(s) & Q(standing__in=(FactStanding.EARLY, FactStanding.ON_TIME))) | (
            _open_at_end(s) & ~_in_stock(s, m.Stock.SUPPLEMENT_LATE, m.Stock.OVERDUE))
    if code == "3.6":
        base = received & Q(fee=True)
    elif code == "4.1":
        base = _finished(s) & Q(resolved=True) & Q(procedure__in=_paper())
    elif code in numerators:
        base = received
    else:
        raise ValueError(f"indicator {code} does not count dossiers")
    return base if part is Part.DENOMINATOR else base & numerators[code]


@dataclass(frozen=True)
class Behind:
    """The dossiers behind a figure: `dossiers`, those the user may see, in receipt order; `facts`, their metric
    facts, when the user may see every one of them — the list is then counted and paged on the facts alone
    (the same receipt instant, the same key: the dossier's id), each page's dossiers read by id."""

    dossiers: QuerySet[Dossier]
    facts: QuerySet[DossierFact] | None


def _behind(facts: QuerySet[DossierFact], user: User | AnonymousUser | None, unit_ids: Sequence[int]) -> Behind:
    """`facts` are of the units `unit_ids`, and a fact's unit is its dossier's competent unit: when the user may
    see the dossiers of every one of those units (a monitor; a leader in their own unit), the visibility filter
    is implied and left out — with it, the database reads every dossier to test its three units (5 M rows for a
    province)."""
    implied = user is None or set(unit_ids) <= set(units_for(user, Action.DOSSIER_VIEW).values_list("pk", flat=True))
    qs = Dossier.objects.all() if implied else visible_dossiers(user)
    dossiers = (qs.filter(pk__in=facts.values("dossier_id")).select_related("procedure", "competent_unit")
                .order_by("received_at", "pk"))
    return Behind(dossiers, facts if implied else None)


DRILL_COUNT_CAP = 10_000  # a drill-down counts its dossiers up to here ("more than 10,000")


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    count: int  # exact up to DRILL_COUNT_CAP; `capped`: there are more
    capped: bool
    previous_cursor: str | None
    next_cursor: str | None


def behind_page(behind: Behind, after: str | None, before: str | None, limit: int) -> KeysetPage:
    """One page of a drill-down's dossiers in receipt order, by position (received_at, pk) and not by offset,
    with a count that stops at DRILL_COUNT_CAP: a province's quarter holds hundreds of thousands of dossiers,
    and neither an exact count nor a deep offset can be read in a moment. The dashboard shows the exact figure.
    When the user may see them all, the count and the page's ids come from the metric facts (narrow rows; for a
    province the database sorts the few hundred thousand behind a figure in a parallel scan), then the page's
    dossiers by id. (An index in receipt order made it worse: walked from the oldest receipt, it read years of
    dossiers that ended before the period; benchmarks/RESULTS.md.) Raises CursorError for a malformed cursor."""
    sort = Sort.RECEIVED
    source: QuerySet[Any] = behind.facts if behind.facts is not None else behind.dossiers
    count = source.order_by().values("pk")[: DRILL_COUNT_CAP + 1].count()
    order = ("received_at", "pk")
    if after:
        value, pk = decode_cursor(after, sort)
        source = source.filter(Q(received_at__gt=value) | Q(received_at=value, pk__gt=pk))
    elif before:
        value, pk = decode_cursor(before, sort)
        source = source.filter(Q(received_at__lt=value) | Q(received_at=value, pk__lt=pk))
        order = ("-received_at", "-pk")
    if behind.facts is not None:
        ids = list(source.order_by(*order).values_list("pk", flat=True)[: limit + 1])
        # by id alone: through `behind.dossiers` the database would evaluate its facts subquery whole
        rows = list(Dossier.objects.filter(pk__in=ids).select_related("procedure", "competent_unit")
                    .order_by(*order))
    else:
        rows = list(source.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if before:
        rows.reverse()
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    has_previous = bool(after) or (bool(before) and more)
    has_next = bool(before) or (not before and more)
    return KeysetPage(
        rows, min(count, DRILL_COUNT_CAP), count > DRILL_COUNT_CAP,
        encode_cursor(sort, first.received_at, first.pk) if has_previous and first else None,
        encode_cursor(sort, last.received_at, last.pk) if has_next and last else None)


def indicator_behind(code: str, part: Part | str, unit: Unit, period: m.Period, *,
                     user: User | AnonymousUser | None = None) -> Behind:
    """The dossiers behind an indicator's numerator or denominator."""
    _check(user, unit)
    s = _scope(unit, period)
    return _behind(_facts(s).filter(_indicator_q(code, Part(part), s)), user, s.unit_ids)


def indicator_dossiers(code: str, part: Part | str, unit: Unit, period: m.Period, *,
                       user: User | AnonymousUser | None = None) -> QuerySet[Dossier]:
    """The dossiers behind an indicator's numerator or denominator (ordered by receipt; paginate it)."""
    return indicator_behind(code, part, unit, period, user=user).dossiers


def indicator_procedures(code: str, part: Part | str, unit: Unit, period: m.Period, *,
                         user: User | AnonymousUser | None = None) -> QuerySet[Procedure]:
    """The procedures behind 3.1, 3.2 or 3.5 (in the unit's competence; ordered by code)."""
    _check(user, unit)
    part = Part(part)
    competent = _competent([unit])[unit.pk]
    qs = Procedure.objects.filter(pk__in=competent)
    if code in ("3.1", "3.2"):
        online = qs.exclude(online_level=OnlineLevels.NONE)
        if code == "3.1":
            return (online if part is Part.NUMERATOR else qs).order_by("code")
        if part is Part.DENOMINATOR:
            return online.order_by("code")
        s = _scope(unit, period)
        used = _facts(s).filter(_received(s) & Q(online=True)).values("procedure_id")
        return online.filter(pk__in=used).order_by("code")
    if code == "3.5":
        fees = qs.filter(pk__in=FeeRule.objects.filter(Q(amount__gt=0) | Q(kind="tiered_page")).values(
            "procedure_id"))
        if part is Part.DENOMINATOR:
            return fees.order_by("code")
        s = _scope(unit, period)
        paid = _facts(s).filter(_received(s) & Q(fee=True, paid_online=True)).values("procedure_id")
        return fees.filter(pk__in=paid).order_by("code")
    raise ValueError(f"indicator {code} does not count procedures")


def ii06a_behind(column: str, unit: Unit, period: m.Period, *, field_id: int | None = None,
                 procedure_code: str | None = None, user: User | AnonymousUser | None = None) -> Behind:
    """The dossiers behind one cell of Biểu II.06a (a field's row, or the total row; or of one procedure)."""
    _check(user, unit)
    s = _scope(unit, period)
    facts = _facts(s).filter(_ii06a_q(column, s))
    if field_id is not None:
        facts = facts.filter(procedure__field_id=field_id)
    if procedure_code is not None:
        facts = facts.filter(procedure__code=procedure_code)
    return _behind(facts, user, s.unit_ids)


def ii06a_dossiers(column: str, unit: Unit, period: m.Period, *, field_id: int | None = None,
                   user: User | AnonymousUser | None = None) -> QuerySet[Dossier]:
    """The dossiers behind one cell of Biểu II.06a, in receipt order."""
    return ii06a_behind(column, unit, period, field_id=field_id, user=user).dossiers


# ---------------------------------------------------------------------------------------------------------
# Dashboards (appended for the monitor's and leaders' screens)


def index_trend(unit: Unit, periods: Sequence[m.Period], *, user: User | AnonymousUser | None = None,
                config: m.IndexConfig | None = None) -> list[ServiceIndex]:
    """The index of `unit` (its subtree) for each of `periods`: one rollup aggregate per period, the
    catalogue and the competence read once."""
    _check(user, unit)
    ids = _subtree(unit)
    config = config or index_config()
    procs = _procedures()
    competent = _competent([unit])[unit.pk]
    return [_index_for(unit, p, config, _by_procedure(_sums(p, ids), set(ids)), procs, competent) for p in periods]


@dataclass(frozen=True)
class ProcedureLateness:
    procedure_id: int
    code: str
    name: str
    row: m.Ii06aRow

    @property
    def late(self) -> int:
        """Resolved late plus in progress and overdue at the period end."""
        return self.row.resolved_late + self.row.in_progress_overdue


def _lateness(by_proc: dict[int, list[int]], limit: int | None) -> list[ProcedureLateness]:
    rows: dict[int, m.Ii06aRow] = {}
    for procedure_id, values in by_proc.items():
        row = m.ii06a_row(_counts(values))
        if row.resolved_late + row.in_progress_overdue:
            rows[procedure_id] = row
    names = {pk: (code, name) for pk, code, name in
             Procedure.objects.filter(pk__in=list(rows)).values_list("pk", "code", "name")}
    out = [ProcedureLateness(pk, *names[pk], row) for pk, row in rows.items()]
    out.sort(key=lambda p: (-p.late, p.code))
    return out if limit is None else out[:limit]


def procedure_lateness(unit: Unit, period: m.Period, *, user: User | AnonymousUser | None = None,
                       limit: int | None = 10) -> list[ProcedureLateness]:
    """The procedures of `unit` (its subtree) with the most late dossiers in `period` (resolved late or overdue
    at its end), from the rollups; ties by code."""
    _check(user, unit)
    ids = _subtree(unit)
    return _lateness(_by_procedure(_sums(period, ids), set(ids)), limit)


@dataclass(frozen=True)
class UnitFigures:
    index: ServiceIndex
    children: list[ServiceIndex]
    procedures: list[ProcedureLateness]


def unit_figures(unit: Unit, period: m.Period, *, user: User | AnonymousUser | None = None,
                 config: m.IndexConfig | None = None, procedures: int | None = 10) -> UnitFigures:
    """A dashboard's figures from one rollup aggregate: the index of `unit`, of each of its active child units
    (each over its subtree, in tree order), and the procedures of `unit` with the most late dossiers."""
    _check(user, unit)
    children = list(Unit.objects.filter(parent=unit, is_active=True).order_by("path"))
    targets = [unit, *children]
    subtree = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path"))
    sums = _sums(period, [pk for pk, _path in subtree])
    path_of = dict(subtree)
    wanted = {u.path: u.pk for u in targets}
    by_unit: dict[int, dict[int, list[int]]] = {u.pk: {} for u in targets}
    for (unit_id, procedure_id), values in sums.items():
        for target in _ancestors(path_of.get(unit_id, ""), wanted):
            row = by_unit[target].setdefault(procedure_id, [0] * len(_COLUMNS))
            for i, v in enumerate(values):
                row[i] += v
    config = config or index_config()
    procs = _procedures()
    competent = _competent(targets)
    indexes = [_index_for(u, period, config, by_unit[u.pk], procs, competent[u.pk]) for u in targets]
    return UnitFigures(indexes[0], indexes[1:], _lateness(by_unit[unit.pk], procedures))
