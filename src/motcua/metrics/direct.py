"""Direct recomputation of the report figures from the dossiers and all their events, without the rollups.

Slow (it reads every dossier of the unit and its events) and independent of the rollup bookkeeping: it
classifies each dossier for the period with `domain.period_standing` instead of summing day deltas.
`motcua report verify` and the tests compare it with the rollups (`selectors`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from motcua.core.models import Unit
from motcua.dossiers.models import Dossier, DossierComponent, DossierEvent
from motcua.metrics import domain as m
from motcua.metrics import latesteps
from motcua.metrics.models import MEASURE_COLUMNS, RollupDay, RollupMonth
from motcua.metrics.rollups import _DOSSIER_VALUES, GRANULARITY, _Row, attributes_of, snapshot_of, tz
from motcua.metrics.selectors import _COLUMNS, _INDEX, _by_procedure, _subtree, _sums

CHUNK = 2_000


def direct_by_procedure(unit: Unit, period: m.Period) -> dict[int, list[int]]:
    """Per procedure, the same columns `selectors` reads from the rollups, counted dossier by dossier."""
    zone = tz()
    start, end = period.start(zone), period.end(zone)
    unit_ids = _subtree(unit)
    ids = list(Dossier.objects.filter(competent_unit_id__in=unit_ids, received_at__lt=end)
               .exclude(finished_at__lt=start).order_by("pk").values_list("pk", flat=True))
    out: dict[int, list[int]] = {}
    g = _INDEX
    for begin in range(0, len(ids), CHUNK):
        chunk = ids[begin:begin + CHUNK]
        rows = [_Row(*r) for r in Dossier.objects.filter(pk__in=chunk).values_list(*_DOSSIER_VALUES)]
        comps = {d: (n, nd, bool(nr), bool(ns)) for d, n, nd, nr, ns in
                 DossierComponent.objects.filter(dossier_id__in=chunk).values("dossier_id").annotate(
                     n=Count("id"), nd=Count("id", filter=Q(digitized=True)), nr=Count("id", filter=Q(reused=True)),
                     ns=Count("id", filter=Q(from_citizen_store=True)))
                 .values_list("dossier_id", "n", "nd", "nr", "ns")}
        events: dict[int, list[m.EventRecord]] = defaultdict(list)
        for dossier_id, at, action, from_status, to_status, payload in (
                DossierEvent.objects.filter(dossier_id__in=chunk).order_by("dossier_id", "seq")
                .values_list("dossier_id", "at", "action", "from_status", "to_status", "payload")):
            events[dossier_id].append(m.EventRecord(at, action, from_status, to_status, payload))
        for row in rows:
            timeline = m.timeline_from_events(events[row.id], snapshot_of(row))
            standing = m.period_standing(timeline, start, end, GRANULARITY)
            if standing is None:
                continue
            a = attributes_of(row, comps.get(row.id, (0, 0, False, False)), timeline)
            v = out.setdefault(row.procedure_id, [0] * len(_COLUMNS))
            if not standing.carried_over:
                v[g["received_online" if a.online else "received_other"]] += 1
                for name in ("synced", "digitized", "reused", "citizen_store", "vneid"):
                    v[g[name]] += getattr(a, name)
                v[g["with_fee"]] += a.fee
                v[g["paid_online"]] += a.fee and a.paid_online
                v[g["online_eresult"]] += a.online and a.eresult
            else:
                v[g["open_start"]] += 1
            if standing.finished:
                v[g[f"finished_{standing.standing.value}"]] += 1
                if timeline[-1].resolved:
                    v[g["resolved"]] += 1
                    v[g["resolved_eresult"]] += a.eresult
            else:
                v[g["open_end"]] += 1
                if standing.awaiting_supplement:
                    v[g[f"supplement_{standing.standing.value}_end"]] += 1
                elif standing.standing is m.Standing.OVERDUE:
                    v[g["overdue_end"]] += 1
    return out


@dataclass(frozen=True)
class Mismatch:
    unit: str
    procedure_id: int
    column: str
    rollup: int
    direct: int


def month_day_mismatches() -> list[Mismatch]:
    """Month rows that are not the sum of their days (they are kept together: never, unless edited by hand)."""
    days: dict[tuple[int, int, date], list[int]] = {}
    for row in RollupDay.objects.values_list("unit_id", "procedure_id", "day", *MEASURE_COLUMNS).iterator():
        key = (row[0], row[1], row[2].replace(day=1))
        values = days.setdefault(key, [0] * len(MEASURE_COLUMNS))
        for i, v in enumerate(row[3:]):
            values[i] += v
    months = {(r[0], r[1], r[2]): list(r[3:]) for r in RollupMonth.objects.values_list(
        "unit_id", "procedure_id", "month", *MEASURE_COLUMNS).iterator()}
    zero = [0] * len(MEASURE_COLUMNS)
    return [Mismatch(f"unit {k[0]}, {k[2]:%Y-%m}", k[1], c, x, y) for k in sorted(set(days) | set(months))
            for c, x, y in zip(MEASURE_COLUMNS, months.get(k, zero), days.get(k, zero), strict=True) if x != y]


def verify(period: m.Period, units: Sequence[Unit]) -> list[Mismatch]:
    """Every figure where the rollups and the direct recomputation disagree (empty: they agree), and every
    month rollup that is not the sum of its days."""
    problems: list[Mismatch] = month_day_mismatches()
    for unit in units:
        ids = _subtree(unit)
        rolled = _by_procedure(_sums(period, ids), set(ids))
        direct = direct_by_procedure(unit, period)
        for procedure_id in sorted(set(rolled) | set(direct)):
            a = rolled.get(procedure_id, [0] * len(_COLUMNS))
            b = direct.get(procedure_id, [0] * len(_COLUMNS))
            problems.extend(Mismatch(unit.code, procedure_id, c, x, y)
                            for c, x, y in zip(_COLUMNS, a, b, strict=True) if x != y)
        # the late-step rollup of the subtree, every day (procedure 0: it is not per procedure)
        problems.extend(Mismatch(unit.code, 0, f"late_steps {kind} {day} {name} {holder} (unit {unit_id})", x, y)
                        for (unit_id, kind, day, name, holder), x, y in latesteps.compare(tz(), ids))
    return problems
