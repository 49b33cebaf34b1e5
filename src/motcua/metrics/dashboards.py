"""What the dashboards show, assembled from the report selectors: the period picker, the figures of a unit and
its child units, the trend, the late steps by unit, step and officer, and the dashboard's XLSX export.

Every figure comes from `motcua.metrics.selectors` (rollup aggregates, never a scan of dossiers); the late-step
attribution is one grouped, paginated SQL aggregate over `StepExecution` (indexed by unit and finish time).
All of it is read for a unit the user may see (`report.view`); dossier lists only hold the dossiers the user
may see (`dossier.view`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Trunc
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.domain.permissions import Action
from motcua.core.models import Unit, User
from motcua.core.permissions import can
from motcua.dossiers import domain as rules
from motcua.dossiers.models import Dossier, StepExecution
from motcua.dossiers.selectors import visible_dossiers
from motcua.metrics import domain as m
from motcua.metrics import latesteps, selectors
from motcua.metrics.config import index_config
from motcua.metrics.indicators import GROUP_NAMES
from motcua.metrics.rollups import tz

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

    AnyUser: TypeAlias = User | AnonymousUser

# The key rates of the dashboard, in the order shown.
KEY_RATES = ("2.1", "3.3", "4.2", "3.6")
KEY_RATE_NAMES: dict[str, Promise] = {
    "2.1": gettext_lazy("On time"),
    "3.3": gettext_lazy("Online"),
    "4.2": gettext_lazy("Digitized"),
    "3.6": gettext_lazy("Paid online"),
}
TREND_LENGTH = {"month": 6, "quarter": 4, "year": 3}
FIRST_YEAR = 2000
# Steps are timed to the minute (the default granularity): a step is late when it ends in a later minute than
# its due time, overdue once that minute has passed (`dossiers.domain.late_from`).
MINUTE = rules.LATE_MARGIN
XLSX_MAX_ROWS = 10_000  # rows per sheet of the late-step attribution in the export


# ---------------------------------------------------------------------------------------------------------
# Periods: a month, a quarter or a year, read "to date" while it runs


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodError(ValueError):
    """A period the user cannot ask for; `str()` is the message to show (translated)."""


_TOKEN = re.compile(r"(?P<year>[0-9]{4})(?:-(?:(?P<quarter>[Qq][1-4])|(?P<month>0[1-9]|1[0-2])))?")


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """A calendar month (`2026-03`), quarter (`2026-Q1`) or year (`2026`)."""

    year: int
    kind: PeriodKind
    number: int = 0  # the month 1–12 or the quarter 1–4; 0 for a year

    @classmethod
    def parse(cls, token: str, today: date) -> ReportPeriod:
        found = _TOKEN.fullmatch(token.strip())
        if not found:
            raise PeriodError(_("Choose a period from the list: a month (e.g. 2026-03), a quarter (2026-Q1) or a "
                                "year (2026)."))
        year = int(found["year"])
        if found["quarter"]:
            period = cls(year, PeriodKind.QUARTER, int(found["quarter"][1]))
        elif found["month"]:
            period = cls(year, PeriodKind.MONTH, int(found["month"]))
        else:
            period = cls(year, PeriodKind.YEAR)
        if year < FIRST_YEAR:
            raise PeriodError(_("Reports start in %(year)s.") % {"year": FIRST_YEAR})
        if period.first > today:
            raise PeriodError(_("This period has not started yet: choose one up to today."))
        return period

    @classmethod
    def current_quarter(cls, today: date) -> ReportPeriod:
        return cls(today.year, PeriodKind.QUARTER, (today.month - 1) // 3 + 1)

    @property
    def token(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def first(self) -> date:
        if self.kind is PeriodKind.YEAR:
            return date(self.year, 1, 1)
        if self.kind is PeriodKind.QUARTER:
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, self.number, 1)

    @property
    def last(self) -> date:
        if self.kind is PeriodKind.YEAR:
            return date(self.year, 12, 31)
        if self.kind is PeriodKind.QUARTER:
            return m.quarter(self.year, self.number).last
        following = date(self.year + 1, 1, 1) if self.number == 12 else date(self.year, self.number + 1, 1)
        return following - timedelta(days=1)

    def to_date(self, today: date) -> m.Period:
        """The days of the period up to `today` included (the whole period once it is over)."""
        return m.Period(self.first, min(self.last, today))

    def shifted(self, steps: int) -> ReportPeriod:
        """The period `steps` periods of the same kind later (earlier when negative)."""
        if self.kind is PeriodKind.YEAR:
            return ReportPeriod(self.year + steps, self.kind)
        size = 12 if self.kind is PeriodKind.MONTH else 4
        index = self.year * size + self.number - 1 + steps
        return ReportPeriod(index // size, self.kind, index % size + 1)

    def runs(self, today: date) -> bool:
        return self.first <= today < self.last

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return _("Year %(year)s") % {"year": self.year}
        if self.kind is PeriodKind.QUARTER:
            return _("Quarter %(number)s/%(year)s") % {"number": self.number, "year": self.year}
        return _("Month %(number)s/%(year)s") % {"number": self.number, "year": self.year}

    @property
    def short_label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return str(self.year)
        if self.kind is PeriodKind.QUARTER:
            return _("Q%(number)s/%(year)s") % {"number": self.number, "year": self.year}
        return f"{self.number:02d}/{self.year}"


def period_choices(today: date, years: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's options, newest first: quarters, months and years of the last `years` years."""
    now_q = ReportPeriod.current_quarter(today)
    now_m = ReportPeriod(today.year, PeriodKind.MONTH, today.month)
    quarters = [now_q.shifted(-i) for i in range(4 * years)]
    months = [now_m.shifted(-i) for i in range(12 * years)]
    whole = [ReportPeriod(today.year - i, PeriodKind.YEAR) for i in range(years)]
    return [(str(label), [(p.token, p.label) for p in group if p.year >= FIRST_YEAR])
            for label, group in ((_("Quarters"), quarters), (_("Months"), months), (_("Years"), whole))]


# ---------------------------------------------------------------------------------------------------------
# Units


class UnitOutOfReach(PermissionError):
    pass


def resolve_unit(code: str, user: AnyUser) -> Unit | None:
    """The active unit with this code when the user may see its reports; None when there is none;
    `UnitOutOfReach` when it exists but lies outside the user's reach."""
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        return None
    if not can(user, Action.REPORT_VIEW, unit):
        raise UnitOutOfReach(code)
    return unit


def unit_choices(user: AnyUser) -> list[tuple[str, str]]:
    """The units the user may see, in tree order, indented under their parents."""
    units = list(selectors.report_units(user).only("code", "name", "depth"))
    top = min((u.depth for u in units), default=0)
    return [(u.code, f"{'— ' * (u.depth - top)}{u.name}") for u in units]


# ---------------------------------------------------------------------------------------------------------
# The dashboard's figures


@dataclass(frozen=True)
class Rate:
    code: str
    label: str
    name: str
    indicator: selectors.IndicatorResult
    target: Fraction

    @property
    def ratio(self) -> Fraction | None:
        return self.indicator.ratio

    @property
    def met(self) -> bool | None:
        return None if self.ratio is None else self.ratio >= self.target


@dataclass(frozen=True)
class ChildRow:
    index: selectors.ServiceIndex
    rates: dict[str, Fraction | None]

    @property
    def unit(self) -> Unit:
        return self.index.unit

    @property
    def counts(self) -> m.Ii06aRow:
        return self.index.counts


CHILD_SORTS = ("name", "index", "received", "late", "overdue", *KEY_RATES)


@dataclass(frozen=True)
class Dashboard:
    unit: Unit
    period: ReportPeriod
    days: m.Period
    index: selectors.ServiceIndex
    rates: list[Rate]
    trend: list[tuple[ReportPeriod, selectors.ServiceIndex]]
    children: list[ChildRow]
    procedures: list[selectors.ProcedureLateness]
    groups: list[selectors.GroupResult] = field(default_factory=list)


def _target(spec: m.IndicatorSpec) -> Fraction:
    """A ratio scores full points at its threshold, or only at 100% without one."""
    return Fraction(1) if spec.threshold is None else Fraction(spec.threshold)


def rate_of(index: selectors.ServiceIndex, code: str) -> Fraction | None:
    return index.indicator(code).ratio


def dashboard(unit: Unit, period: ReportPeriod, *, user: AnyUser, today: date) -> Dashboard:
    """Everything the dashboard page shows except the late-step attribution (loaded with its own request)."""
    days = period.to_date(today)
    config = index_config()
    figures = selectors.unit_figures(unit, days, user=user, config=config, procedures=10)
    own = figures.index
    children = [ChildRow(i, {code: rate_of(i, code) for code in KEY_RATES}) for i in figures.children]
    earlier = [period.shifted(-n) for n in range(TREND_LENGTH[period.kind.value] - 1, 0, -1)]
    earlier = [p for p in earlier if p.year >= FIRST_YEAR]
    past = selectors.index_trend(unit, [p.to_date(today) for p in earlier], user=user, config=config)
    trend = [*zip(earlier, past, strict=True), (period, own)]
    rates = [Rate(code, str(KEY_RATE_NAMES[code]), own.indicator(code).name, own.indicator(code),
                  _target(config.indicator(code))) for code in KEY_RATES]
    return Dashboard(unit, period, days, own, rates, trend, children, figures.procedures, own.groups)


def sort_children(rows: list[ChildRow], key: str, descending: bool) -> list[ChildRow]:
    """The child-unit table sorted by `key` (one of `CHILD_SORTS`); "no data" always last."""
    def value(row: ChildRow) -> Any:
        if key == "name":
            return row.unit.name
        if key == "index":
            return row.index.total / row.index.total_max if row.index.total_max else None
        if key == "received":
            return row.counts.received_total
        if key == "late":
            return row.counts.resolved_late
        if key == "overdue":
            return row.counts.in_progress_overdue
        return row.rates[key]

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), r.unit.name) if key != "name" else r.unit.name, reverse=descending)
    return present + sorted(missing, key=lambda r: r.unit.name)


def status_breakdown(row: m.Ii06aRow) -> list[tuple[str, str, int]]:
    """The dossiers of the period by where they stand at its end (the II.06a figures): (column, label, count)."""
    return [
        ("resolved_early", _("Resolved early"), row.resolved_early),
        ("resolved_on_time", _("Resolved on time"), row.resolved_on_time),
        ("resolved_late", _("Resolved after the due date"), row.resolved_late),
        ("in_progress_in_time", _("In progress, in time"), row.in_progress_in_time),
        ("in_progress_overdue", _("In progress, overdue"), row.in_progress_overdue),
    ]


def chart_data(d: Dashboard) -> dict[str, Any]:
    """The numbers the charts draw (the same ones the tables print)."""
    def pct(value: Fraction | None) -> float | None:
        return None if value is None else float(m.rounded(value * 100, 1))

    def pts(value: Fraction) -> float:
        return float(m.rounded(value, 2))

    return {
        "trend": {
            "labels": [p.short_label for p, _i in d.trend],
            "series": [{"label": _("Total"), "data": [pts(i.total) if i.total_max else None for _p, i in d.trend]}]
            + [{"label": str(GROUP_NAMES[g.group]),
                "data": [pts(next(x for x in i.groups if x.group is g.group).score)
                         if next(x for x in i.groups if x.group is g.group).with_data else None for _p, i in d.trend]}
               for g in d.groups],
        },
        "rates": {
            "labels": [r.label for r in d.rates],
            "values": [pct(r.ratio) for r in d.rates],
            "targets": [pct(r.target) for r in d.rates],
            "names": {"value": _("Rate (%)"), "target": _("Target (%)")},
        },
        "status": {
            "labels": [label for _c, label, _n in status_breakdown(d.index.counts)],
            "values": [n for _c, _l, n in status_breakdown(d.index.counts)],
        },
    }


# ---------------------------------------------------------------------------------------------------------
# Late steps, attributed to unit, step and officer


class LateBy(StrEnum):
    STEP = "step"
    OFFICER = "officer"


@dataclass(frozen=True)
class LateKey:
    """One row of the attribution: a step of a unit, or an officer (0: nobody held it) in a unit."""

    by: LateBy
    unit_code: str
    step: str = ""
    officer: int = 0


def _late_from() -> Any:
    """`late_from(due_at)` in SQL: the minute after the due minute (`dossiers.domain.late_from`)."""
    return ExpressionWrapper(Trunc("due_at", "minute", tzinfo=tz()) + MINUTE, output_field=DateTimeField())


def _late_conditions(period: m.Period, now: datetime) -> tuple[Q, Q]:
    """(finished late in the period, still running and overdue at the period's end — or now, for a period that
    runs): the rule of `dossiers.domain.late_step_bucket` in SQL. Each late step counts once per period: when
    it finished, or while it still runs."""
    zone = tz()
    start, end = period.start(zone), period.end(zone)
    cut = min(end, now)
    # `finished_at > due_at` is the predicate of the partial index of steps finished after their due time on
    # PostgreSQL (migration dossiers 0006); late is from the minute after the due minute.
    finished_late = (Q(finished_at__gte=start, finished_at__lt=end, finished_at__gt=F("due_at"))
                     & Q(finished_at__gte=_late_from()))
    # a clock stopped (awaiting supplement) before the step became late does not pass its due time
    paused_in_time = Exists(Dossier.objects.filter(pk=OuterRef("dossier_id"), paused_at__isnull=False,
                                                   paused_at__lt=OuterRef("late_from")))
    # overdue at `cut` ⟺ late_from(due_at) ≤ cut ⟺ due_at < cut truncated to the minute
    running_overdue = Q(finished_at__isnull=True, started_at__isnull=False,
                        due_at__lt=rules.truncate(cut, rules.Granularity.MINUTE, cut)) & ~Q(paused_in_time)
    return finished_late, running_overdue


def _late_parts(unit: Unit, period: m.Period, *, user: AnyUser, now: datetime
                ) -> tuple[QuerySet[StepExecution], QuerySet[StepExecution]]:
    """The late steps of `unit`'s subtree in `period` as two querysets, (finished late, running overdue): each
    has the predicate of one partial index (migration dossiers 0005). Their OR in one query made the database
    read every step of the units (5.6 M for a commune at 5 M dossiers: 17 s); apart, the finished part reads
    its index (≈0.5 s for a commune-quarter at 5 M), but the running part is still planned as a scan of every
    step (the statistics cannot tell that running steps are recent): ≈3 s. A late-step rollup is the fix
    (benchmarks/RESULTS.md)."""
    selectors._check(user, unit)
    finished_late, running_overdue = _late_conditions(period, now)
    subtree = Unit.objects.filter(path__startswith=unit.path).values("pk")
    steps = StepExecution.objects.alias(late_from=_late_from()).filter(unit__in=subtree)
    return steps.filter(finished_late), steps.filter(running_overdue)


def late_attribution(unit: Unit, period: m.Period, by: LateBy, *, user: AnyUser, now: datetime
                     ) -> list[dict[str, Any]]:
    """Rows of {unit code and name, step name or officer, finished_late, overdue, total}, most late first.

    From the late-step rollup (`metrics.latesteps`), a few rows per unit and day: the steps that finished late
    on the period's days, and the steps still running that became overdue on a local day before the day of the
    period's end (or of now, for a period that runs); those that became overdue on that day are read from the
    steps themselves (their index of running steps, one day of them), where the minute decides."""
    zone = tz()
    subtree = Unit.objects.filter(path__startswith=unit.path).values("pk")
    keys = ["unit_id", "name"] if by is LateBy.STEP else ["unit_id", "holder_key"]
    _finished, running = _late_parts(unit, period, user=user, now=now)  # checks the user may see the reports
    cut = min(period.end(zone), now)
    boundary = cut.astimezone(zone).date()  # running steps late from a day before it: overdue at `cut`
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge(column: str, groups: Any) -> None:
        for row in groups:
            key = tuple(row[k] for k in keys)
            merged = rows.setdefault(key, {**{k: row[k] for k in keys}, "finished_late": 0, "overdue": 0})
            merged[column] += row["total"]

    merge("finished_late", latesteps.group(subtree, rules.LateStepKind.FINISHED_LATE, first=period.first,
                                           before=period.end_day, by=keys))
    merge("overdue", latesteps.group(subtree, rules.LateStepKind.RUNNING, first=None, before=boundary, by=keys))
    # the running steps that became overdue on the boundary day itself, keyed like the rollup (0: nobody)
    last_day = running.filter(due_at__gte=m.midnight(boundary, zone) - MINUTE)
    if by is LateBy.OFFICER:
        last_day = last_day.annotate(holder_key=Coalesce("holder_id", Value(0)))
    merge("overdue", last_day.values(*keys).annotate(total=Count("pk")).order_by())
    units = {u.pk: u for u in Unit.objects.filter(pk__in={k[0] for k in rows}).only("code", "name")}
    holders: dict[int, Any] = {}
    if by is LateBy.OFFICER:
        holders = {u.pk: u for u in User.objects.filter(pk__in={k[1] for k in rows if k[1]})
                   .only("full_name", "username")}
    out = []
    for row in rows.values():
        u = units[row.pop("unit_id")]
        row.update({"unit__code": u.code, "unit__name": u.name, "total": row["finished_late"] + row["overdue"]})
        if by is LateBy.OFFICER:
            holder_id = row.pop("holder_key") or None
            holder = holders.get(holder_id) if holder_id else None
            row.update({"holder_id": holder_id, "holder__full_name": holder.full_name if holder else None,
                        "holder__username": holder.username if holder else None})
        out.append(row)
    order = ["unit__code", "unit__name", "name"] if by is LateBy.STEP else [
        "unit__code", "unit__name", "holder_id", "holder__full_name", "holder__username"]
    out.sort(key=lambda r: (-r["total"], *((r[k] is not None, r[k] or "") if k != "holder_id" else
                                          (r[k] is not None, r[k] or 0) for k in order)))
    return out


def late_key_dossiers(key: LateKey, unit: Unit, period: m.Period, *, user: AnyUser, now: datetime
                      ) -> QuerySet[Dossier]:
    """The dossiers behind one row of the attribution, that the user may see (ordered by receipt)."""
    if key.by is LateBy.STEP:
        which = Q(unit__code=key.unit_code, name=key.step)
    else:
        which = Q(unit__code=key.unit_code) & (Q(holder_id=key.officer) if key.officer else Q(holder__isnull=True))
    finished, running = _late_parts(unit, period, user=user, now=now)
    ids = (finished.filter(which).order_by().values("dossier_id")
           .union(running.filter(which).order_by().values("dossier_id")))
    return (visible_dossiers(user).filter(pk__in=ids)
            .select_related("procedure", "competent_unit").order_by("received_at", "pk"))


# ---------------------------------------------------------------------------------------------------------
# XLSX export of the dashboard's tables


def _ratio_cell(value: Fraction | None) -> float | None:
    return None if value is None else float(m.rounded(value, 4))


def dashboard_xlsx(d: Dashboard, attribution: dict[LateBy, list[dict[str, Any]]]) -> bytes:
    """The dashboard's tables as a workbook: the indicators, the units, the late steps and officers, the
    procedures with the most late dossiers. Ratios are numbers formatted as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)
    title = _("%(unit)s (%(code)s) — %(period)s, %(first)s to %(last)s") % {
        "unit": d.unit.name, "code": d.unit.code, "period": d.period.label,
        "first": d.days.first.strftime("%d/%m/%Y"), "last": d.days.last.strftime("%d/%m/%Y")}

    def sheet(name: str, head: list[str], rows: list[list[Any]], percent: tuple[int, ...] = ()) -> None:
        ws = wb.create_sheet(name[:31])
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([])
        ws.append(head)
        for cell in ws[3]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        for col in percent:
            for (cell,) in ws.iter_rows(min_row=4, min_col=col, max_col=col):
                cell.number_format = "0.00%"
        for i, h in enumerate(head, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(60, len(h) + 4))
        ws.freeze_panes = "A4"

    if wb.active is not None:
        wb.remove(wb.active)
    sheet(_("Indicators"), [_("Code"), _("Indicator"), _("Numerator"), _("Denominator"), _("Ratio"), _("Score"),
                            _("Maximum score")],
          [[i.code, i.name, i.numerator, i.denominator, _ratio_cell(i.ratio),
            None if i.value is None else float(m.rounded(i.value, 2)), float(i.points)] for i in d.index.indicators]
          + [[None, g.name, None, None, None, float(m.rounded(g.score, 2)), float(m.rounded(g.max_score, 2))]
             for g in d.groups]
          + [[None, _("Total"), None, None, None, float(m.rounded(d.index.total, 2)),
              float(m.rounded(d.index.total_max, 2))]], percent=(5,))
    rate_heads = [f"{r.label} ({r.code})" for r in d.rates]
    sheet(_("Units"), [_("Unit code"), _("Unit"), _("Index"), _("Maximum score"), *rate_heads, _("Received"),
                       _("Resolved after the due date"), _("In progress, overdue")],
          [[c.unit.code, c.unit.name, float(m.rounded(c.index.total, 2)), float(m.rounded(c.index.total_max, 2)),
            *(_ratio_cell(c.rates[code]) for code in KEY_RATES), c.counts.received_total, c.counts.resolved_late,
            c.counts.in_progress_overdue]
           for c in [ChildRow(d.index, {code: rate_of(d.index, code) for code in KEY_RATES}), *d.children]],
          percent=tuple(range(5, 5 + len(KEY_RATES))))
    sheet(_("Rates"), [_("Code"), _("Rate"), _("Numerator"), _("Denominator"), _("Ratio"), _("Target")],
          [[r.code, r.label, r.indicator.numerator, r.indicator.denominator, _ratio_cell(r.ratio),
            _ratio_cell(r.target)] for r in d.rates], percent=(5, 6))
    sheet(_("Late steps"), [_("Unit code"), _("Unit"), _("Step"), _("Finished late"), _("Overdue"), _("Total")],
          [[r["unit__code"], r["unit__name"], r["name"], r["finished_late"], r["overdue"], r["total"]]
           for r in attribution[LateBy.STEP]])
    sheet(_("Late by officer"), [_("Unit code"), _("Unit"), _("Officer"), _("Finished late"), _("Overdue"),
                                 _("Total")],
          [[r["unit__code"], r["unit__name"], officer_name(r), r["finished_late"], r["overdue"], r["total"]]
           for r in attribution[LateBy.OFFICER]])
    sheet(_("Procedures"), [_("Procedure code"), _("Procedure"), _("Resolved after the due date"),
                            _("In progress, overdue"), _("Received")],
          [[p.code, p.name, p.row.resolved_late, p.row.in_progress_overdue, p.row.received_total]
           for p in d.procedures])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def officer_name(row: dict[str, Any]) -> str:
    if not row.get("holder_id"):
        return _("Not assigned to an officer")
    return str(row.get("holder__full_name") or row.get("holder__username") or "")
