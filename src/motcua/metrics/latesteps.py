"""The late-step rollup (`LateStepDay`): late steps by unit, kind, local day, step name and holder.

Each step row counts in at most one bucket, by `dossiers.domain.late_step_bucket`: finished late (on the day it
finished) or running with the clock going (on the day it becomes overdue, `late_from` its due time: overdue in a
period whose end, or now, is at or after that instant). The rows are kept exact from the same places that write
step rows, in their transaction:

* every event (`dossiers.services.perform` and intake): the difference between the step rows' buckets before
  and after, written with the reports' other rollups (`metrics.rollups.on_event`, one statement on
  PostgreSQL);
* bulk loads (generator, import): the buckets of the new rows, added once (`add`);
* `motcua report rebuild`: recomputed from every step row (`rebuild`); `motcua report verify` compares
  (`direct`).

A dashboard's late steps then read a few rows per unit and day instead of the steps of a province
(`metrics.dashboards.late_attribution`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from django.db import connection
from django.db.models import F, Q, Sum

from motcua.dossiers import domain as rules
from motcua.dossiers.models import StepExecution
from motcua.metrics.models import LateStepDay

Key = tuple[int, int, date, str, int]  # unit_id, kind, day, name, holder (0: nobody)
_ROW_FIELDS = ("unit_id", "name", "holder_id", "started_at", "due_at", "finished_at")
COLUMNS = ("unit_id", "kind", "day", "name", "holder", "n")
BATCH = 500


def key_of(unit_id: int, name: str, holder_id: int | None, started_at: datetime | None, due_at: datetime | None,
           finished_at: datetime | None, paused_at: datetime | None, zone: tzinfo) -> Key | None:
    """The bucket of one step row (with its dossier's `paused_at`), or None when it counts nowhere."""
    bucket = rules.late_step_bucket(started_at, due_at, finished_at, paused_at)
    if bucket is None:
        return None
    kind, at = bucket
    return unit_id, int(kind), at.astimezone(zone).date(), name, holder_id or 0


def keys_of(rows: Iterable[Any], paused_at: datetime | None, zone: tzinfo) -> list[Key]:
    """The buckets of a dossier's step rows (objects or dicts with the StepExecution fields)."""
    out = []
    for r in rows:
        v = r if isinstance(r, dict) else {f: getattr(r, f) for f in _ROW_FIELDS}
        key = key_of(v["unit_id"], v["name"], v["holder_id"], v["started_at"], v["due_at"], v["finished_at"],
                     paused_at, zone)
        if key is not None:
            out.append(key)
    return out


def difference(old: Iterable[Key], new: Iterable[Key]) -> dict[Key, int]:
    """What to add to the rollup when a dossier's buckets go from `old` to `new` (no zero entries)."""
    delta: Counter[Key] = Counter(new)
    delta.subtract(Counter(old))
    return {k: n for k, n in delta.items() if n}


def upsert_sql(deltas: Mapping[Key, int]) -> tuple[str, list[Any]]:
    """`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, keys in order (no deadlock between two
    transactions that touch the same rows). Both databases speak it."""
    table = LateStepDay._meta.db_table
    keys = sorted(deltas)
    params: list[Any] = []
    for key in keys:
        params.extend(key)
        params.append(deltas[key])
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    sql = (f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES {', '.join([one] * len(keys))} "  # noqa: S608
           f"ON CONFLICT (unit_id, kind, day, name, holder) DO UPDATE SET n = {table}.n + excluded.n")
    return sql, params


def add(deltas: Mapping[Key, int]) -> None:
    """Add `deltas` to the rollup (rows created when missing), in batches."""
    keys = sorted(k for k, n in deltas.items() if n)
    with connection.cursor() as cursor:
        for begin in range(0, len(keys), BATCH):
            sql, params = upsert_sql({k: deltas[k] for k in keys[begin:begin + BATCH]})
            cursor.execute(sql, params)


_FIELDS = (*_ROW_FIELDS, "dossier__paused_at")


def direct(zone: tzinfo, unit_ids: Collection[int] | None = None) -> dict[Key, int]:
    """Every bucket (of the units `unit_ids`, None: all) recomputed from the step rows: the candidates are
    picked by the database (finished after their due time, or started and unfinished), the rule applied here
    (`late_step_bucket`, the same as the upkeep's)."""
    candidates = (StepExecution.objects.filter(due_at__isnull=False)
                  .filter(Q(finished_at__gt=F("due_at")) | Q(finished_at__isnull=True, started_at__isnull=False)))
    if unit_ids is not None:
        candidates = candidates.filter(unit_id__in=unit_ids)
    candidates = candidates.order_by().values_list(*_FIELDS)
    out: Counter[Key] = Counter()
    for unit_id, name, holder_id, started, due, finished, paused in candidates.iterator(chunk_size=10_000):
        key = key_of(unit_id, name, holder_id, started, due, finished, paused, zone)
        if key is not None:
            out[key] += 1
    return dict(out)


def stored(unit_ids: Collection[int] | None = None) -> dict[Key, int]:
    """The rollup as stored (of the units `unit_ids`, None: all; rows at zero left out: they count nothing)."""
    rows = LateStepDay.objects.exclude(n=0)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    rows = rows.values_list("unit_id", "kind", "day", "name", "holder", "n")
    return {(u, k, d, name, h): n for u, k, d, name, h, n in rows.iterator(chunk_size=10_000)}


def rebuild(zone: tzinfo) -> int:
    """Replace the rollup by a recomputation from the step rows; returns the number of rows written."""
    rows = direct(zone)
    LateStepDay.objects.all().delete()
    LateStepDay.objects.bulk_create(
        (LateStepDay(unit_id=u, kind=k, day=d, name=name, holder=h, n=n) for (u, k, d, name, h), n in sorted(
            rows.items())), batch_size=2000)
    return len(rows)


def compare(zone: tzinfo, unit_ids: Collection[int] | None = None) -> list[tuple[Key, int, int]]:
    """(key, stored, direct) wherever the rollup and a recomputation from the steps differ."""
    have, want = stored(unit_ids), direct(zone, unit_ids)
    return sorted((k, have.get(k, 0), want.get(k, 0)) for k in have.keys() | want.keys()
                  if have.get(k, 0) != want.get(k, 0))


def group(unit_ids: Any, kind: rules.LateStepKind, *, first: date | None, before: date,
          by: Sequence[str]) -> list[dict[str, Any]]:
    """Sums of the rollup's `n` (as `total`) for the units `unit_ids` (ids or a subquery), `kind`, local days
    `first ≤ day < before` (`first` None: no lower bound), grouped by `by` (`unit_id` and `name` or
    `holder_key`, the holder's id or 0)."""
    qs = (LateStepDay.objects.annotate(holder_key=F("holder"))
          .filter(unit_id__in=unit_ids, kind=int(kind), day__lt=before))
    if first is not None:
        qs = qs.filter(day__gte=first)
    return list(qs.values(*by).annotate(total=Sum("n")).filter(total__gt=0).order_by())
