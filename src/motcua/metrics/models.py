"""Rollup tables of the reports. Data and constraints only; written by `motcua.metrics.rollups` alone.

* `DossierFact`: one row per *received* dossier with the few columns the indicators read (its unit —
  the competent unit —, procedure, receipt and end instants, outcome, attribute flags) and its metric
  timeline (`domain.timeline`). The drill-down lists filter on it.
* `MetricSpan`: the stock intervals of a dossier that are not the default "open and in time": awaiting
  supplement (requested in time / late) and overdue (the overdue interval still open is the fact's
  `overdue_since`). A drill-down at a period end reads them.
* `RollupDay`: per unit × procedure × local day, the flow counts of that day and the stock deltas at
  that day's 00:00 boundary (`domain.periods`); `RollupMonth`: the same per calendar month. A report
  sums a few of these small rows (months for whole months, days for the rest) instead of scanning
  dossiers.
* `LateStepDay`: late steps per unit × kind × local day × step name × holder, for the dashboards' late-step
  attribution.
"""

from __future__ import annotations

from django.db import models

from motcua.metrics.domain import Measure


def _ref(model: str) -> models.ForeignKey:
    """A reference from derived rows: no index of its own (the composite indexes lead with it or it is never
    searched) and no per-row foreign-key trigger (the rows are derived from dossiers, which have them; a
    rebuild recreates them). Deleting the referenced row is prevented by the dossiers anyway."""
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                             db_constraint=False)


class DossierFact(models.Model):
    dossier = models.OneToOneField("dossiers.Dossier", primary_key=True, on_delete=models.CASCADE,
                                   related_name="metric_fact")
    unit = _ref("core.Unit")
    procedure = _ref("catalog.Procedure")
    received_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Outcome once ended: 1 early, 2 on time, 3 late (`FactStanding`); null while not ended.
    standing = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved = models.BooleanField(default=False)
    # Overdue from just after this instant until the dossier's next event (the open overdue interval; the
    # closed ones are `MetricSpan` rows): null when it cannot become overdue before its next event.
    overdue_since = models.DateTimeField(null=True, blank=True)
    online = models.BooleanField(default=False)
    synced = models.BooleanField(default=False)
    eresult = models.BooleanField(default=False)
    fee = models.BooleanField(default=False)
    paid_online = models.BooleanField(default=False)
    digitized = models.BooleanField(default=False)
    reused = models.BooleanField(default=False)
    citizen_store = models.BooleanField(default=False)
    vneid = models.BooleanField(default=False)
    timeline = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "received_at"], name="metric_fact_received_idx"),
            models.Index(fields=["unit", "finished_at"], name="metric_fact_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"fact {self.dossier_id}"


class FactStanding(models.IntegerChoices):
    EARLY = 1, "early"
    ON_TIME = 2, "on_time"
    LATE = 3, "late"


class MetricSpan(models.Model):
    """The dossier is in `stock` from just after `start` until `end` included (`end` null: still is)."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="metric_spans",
                                db_constraint=False)
    unit = _ref("core.Unit")
    stock = models.CharField(max_length=20)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "stock", "end"], name="metric_span_unit_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.stock} ({self.start}, {self.end}]"


def _counter() -> models.IntegerField:
    return models.IntegerField(default=0, db_default=0)


class _Counters(models.Model):
    """The measures (`domain.Measure`): flow counts, and stock deltas at 00:00 boundaries."""

    received_online = _counter()
    received_other = _counter()
    synced = _counter()
    online_eresult = _counter()
    with_fee = _counter()
    paid_online = _counter()
    digitized = _counter()
    reused = _counter()
    citizen_store = _counter()
    vneid = _counter()
    finished_early = _counter()
    finished_on_time = _counter()
    finished_late = _counter()
    resolved = _counter()
    resolved_eresult = _counter()
    open_delta = _counter()
    supplement_on_time_delta = _counter()
    supplement_late_delta = _counter()
    overdue_delta = _counter()

    class Meta:
        abstract = True


class RollupDay(_Counters):
    unit = _ref("core.Unit")
    procedure = _ref("catalog.Procedure")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "procedure", "day"], name="metric_rollup_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.procedure_id}/{self.day}"


class RollupMonth(_Counters):
    """The same sums per calendar month (`month` is its first day): whole months of a period, and the stocks
    before a boundary's month, read a dozen rows instead of hundreds of days."""

    unit = _ref("core.Unit")
    procedure = _ref("catalog.Procedure")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "procedure", "month"], name="metric_rollup_month_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.procedure_id}/{self.month:%Y-%m}"


class LateStepDay(models.Model):
    """The late-step attribution of the dashboards, rolled up (`motcua.metrics.latesteps`): how many step rows
    of `unit` named `name` and held by `holder` (0: nobody) count as `kind` on local `day`
    (`dossiers.domain.late_step_bucket`): 1, finished late, on the day they finished; 2, still running with
    the clock going, on the day they become overdue. A dashboard sums the rows of a period's days (finished
    late) and of the days before its end (running, by then overdue), instead of reading every step."""

    unit = _ref("core.Unit")
    kind = models.PositiveSmallIntegerField()
    day = models.DateField()
    name = models.CharField(max_length=255)
    holder = models.BigIntegerField(default=0)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "day", "name", "holder"],
                                               name="metric_late_step_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.kind}/{self.day}/{self.name}/{self.holder}: {self.n}"


MEASURE_COLUMNS: tuple[str, ...] = tuple(m.value for m in Measure)
assert all(hasattr(RollupDay, c) and hasattr(RollupMonth, c) for c in MEASURE_COLUMNS)
