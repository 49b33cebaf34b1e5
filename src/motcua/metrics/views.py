"""The monitor's and leaders' report screens: the dashboard (index, trend, key rates, dossiers by status,
child units, late steps, procedures with the most late dossiers), the drill-down lists behind every figure,
Biểu II.06a on screen and as XLSX/PDF, and the dashboard's XLSX export.

Reads only, through `motcua.metrics.selectors` and `motcua.metrics.dashboards`; every screen needs
`report.view` at the chosen unit (403 otherwise), and a bad unit or period gets a message, not an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core.domain.permissions import Action
from motcua.core.models import Unit
from motcua.core.permissions import has_any
from motcua.dossiers.worklists import CursorError
from motcua.metrics import dashboards as dash
from motcua.metrics import domain as m
from motcua.metrics import exports, selectors
from motcua.metrics.indicators import II06A_HEADERS, INDICATOR_NAMES, INDICATOR_PARTS, NO_DATA

PAGE_SIZE = 50
LATE_PAGE_SIZE = 20


def _control_free(text: str) -> bool:
    return all(ord(c) >= 32 and ord(c) != 127 for c in text)


def _number(value: Fraction | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return str(formats.number_format(m.rounded(value, places), decimal_pos=places, use_l10n=True))


def _percent(value: Fraction | None) -> str:
    return "—" if value is None else f"{_number(value * 100, 1)}%"


def _url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return f"{reverse(f'metrics:{name}')}?{query}" if query else reverse(f"metrics:{name}")


# ---------------------------------------------------------------------------------------------------------
# The unit and period of every screen


@dataclass
class Params:
    unit: Unit | None
    period: dash.ReportPeriod | None
    unit_code: str
    period_token: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.unit is not None and self.period is not None

    @property
    def query(self) -> dict[str, str]:
        return {"unit": self.unit_code, "period": self.period_token}


def _params(request: HttpRequest) -> Params:
    """The unit (default: the top of the user's reach) and period (default: the current quarter) asked for;
    403 when the user sees no report at all or asks for a unit outside their reach."""
    user = request.user
    if not has_any(user, Action.REPORT_VIEW):
        raise PermissionDenied(_("You have no role that can see reports."))
    today = timezone.localdate()
    code = request.GET.get("unit", "").strip()
    token = request.GET.get("period", "").strip()
    errors: dict[str, str] = {}
    unit: Unit | None = None
    if not code:
        unit = selectors.default_unit(user)
        if unit is None:
            raise PermissionDenied(_("You have no role that can see reports."))
    elif len(code) > 20 or not _control_free(code):
        errors["unit"] = _("Choose a unit from the list.")
    else:
        try:
            unit = dash.resolve_unit(code, user)
        except dash.UnitOutOfReach:
            raise PermissionDenied(_("You cannot see the reports of this unit.")) from None
        if unit is None:
            errors["unit"] = _("There is no unit with the code %(code)s: choose one from the list.") % {"code": code}
    period: dash.ReportPeriod | None = None
    if not token:
        period = dash.ReportPeriod.current_quarter(today)
    elif len(token) > 10 or not _control_free(token):
        errors["period"] = _("Choose a period from the list: a month (e.g. 2026-03), a quarter (2026-Q1) or a "
                             "year (2026).")
    else:
        try:
            period = dash.ReportPeriod.parse(token, today)
        except dash.PeriodError as exc:
            errors["period"] = str(exc)
    return Params(unit, period, unit.code if unit else code[:20], period.token if period else token[:10], errors)


def _form_context(request: HttpRequest, p: Params, action: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "params": p,
        "form_action": reverse(f"metrics:{action}"),
        "unit_options": dash.unit_choices(request.user),
        "period_options": dash.period_choices(today),
        "errors": p.errors,
    }


def _invalid(request: HttpRequest, p: Params, template: str, action: str, title: str) -> HttpResponse:
    return render(request, template, {**_form_context(request, p, action), "title": title}, status=400)


# ---------------------------------------------------------------------------------------------------------
# The dashboard


def _indicator_rows(index: selectors.ServiceIndex, p: Params) -> list[dict[str, Any]]:
    rows = []
    for i in index.indicators:
        links = i.source is not m.Source.FEEDBACK
        rows.append({
            "code": i.code, "name": i.name, "group": i.group.value, "has_data": i.has_data,
            "numerator": i.numerator, "denominator": i.denominator,
            "numerator_label": i.numerator_label, "denominator_label": i.denominator_label,
            "numerator_url": _url("dossiers", **p.query, indicator=i.code, part="numerator") if links else "",
            "denominator_url": _url("dossiers", **p.query, indicator=i.code, part="denominator") if links else "",
            "ratio": _percent(i.ratio), "score": _number(i.value), "points": _number(Fraction(i.points)),
            "threshold": _percent(None if i.threshold is None else Fraction(i.threshold)),
            "no_data": f"{NO_DATA}: {i.no_data_reason}" if not i.has_data else "",
        })
    return rows


def _sort(request: HttpRequest) -> tuple[str, bool, str]:
    key = request.GET.get("sort", "index")
    direction = request.GET.get("dir", "")
    error = ""
    if key not in dash.CHILD_SORTS or direction not in ("", "asc", "desc"):
        error = _("The units cannot be sorted that way: they are sorted by index.")
        key, direction = "index", ""
    descending = direction == "desc" if direction else key != "name"
    return key, descending, error


def _child_rows(d: dash.Dashboard, p: Params, key: str, descending: bool) -> list[dict[str, Any]]:
    out = []
    for row in dash.sort_children(d.children, key, descending):
        unit_query = {"unit": row.unit.code, "period": p.period_token}
        out.append({
            "code": row.unit.code, "name": row.unit.name, "url": _url("dashboard", **unit_query),
            "index": _number(row.index.total),
            "index_max": _number(row.index.total_max) if row.index.total_max else "",
            "rates": [{"code": code, "value": _percent(row.rates[code]),
                       "url": _url("dossiers", **unit_query, indicator=code, part="numerator")}
                      for code in dash.KEY_RATES],
            "received": row.counts.received_total, "late": row.counts.resolved_late,
            "overdue": row.counts.in_progress_overdue,
            "received_url": _url("dossiers", **unit_query, column="received_total"),
            "late_url": _url("dossiers", **unit_query, column="resolved_late"),
            "overdue_url": _url("dossiers", **unit_query, column="in_progress_overdue"),
        })
    return out


def _sort_headers(p: Params, key: str, descending: bool, sort_names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for name, label in sort_names.items():
        current = name == key
        next_dir = "asc" if current and descending else "desc" if current else ("asc" if name == "name" else "desc")
        out.append({"key": name, "label": label, "current": current,
                    "aria": ("descending" if descending else "ascending") if current else "",
                    "url": _url("dashboard", **p.query, sort=name, dir=next_dir) + "#units"})
    return out


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    template = "metrics/dashboard.html"
    if not p.ok:
        return _invalid(request, p, template, "dashboard", _("Service dashboard"))
    assert p.unit is not None and p.period is not None
    today = timezone.localdate()
    d = dash.dashboard(p.unit, p.period, user=request.user, today=today)
    key, descending, sort_error = _sort(request)
    sort_names = {"name": _("Unit"), "index": _("Index"),
                  **{code: f"{dash.KEY_RATE_NAMES[code]} ({code})" for code in dash.KEY_RATES},
                  "received": _("Received"), "late": _("Resolved after the due date"), "overdue": _("Overdue")}
    counts = d.index.counts
    context = {
        **_form_context(request, p, "dashboard"),
        "title": _("Service dashboard"),
        "d": d,
        "unit": p.unit,
        "period": p.period,
        "runs": p.period.runs(today),
        "total": _number(d.index.total), "total_max": _number(d.index.total_max),
        "groups": [{"name": g.name, "score": _number(g.score), "max": _number(g.max_score),
                    "full": _number(g.full_max_score), "with_data": g.with_data, "indicators": g.indicators}
                   for g in d.groups],
        "trend": [{"label": rp.label, "total": _number(i.total) if i.total_max else "—",
                   "max": _number(i.total_max), "url": _url("dashboard", unit=p.unit_code, period=rp.token),
                   "groups": [_number(g.score) if g.with_data else "—" for g in i.groups]} for rp, i in d.trend],
        "rates": [{"code": r.code, "label": r.label, "name": r.name, "value": _percent(r.ratio),
                   "target": _percent(r.target), "met": r.met,
                   "numerator": r.indicator.numerator, "denominator": r.indicator.denominator,
                   "numerator_url": _url("dossiers", **p.query, indicator=r.code, part="numerator"),
                   "denominator_url": _url("dossiers", **p.query, indicator=r.code, part="denominator")}
                  for r in d.rates],
        "status": [{"label": label, "count": n, "url": _url("dossiers", **p.query, column=column)}
                   for column, label, n in dash.status_breakdown(counts)],
        "received": [{"label": str(II06A_HEADERS[c]), "count": getattr(counts, c),
                      "url": _url("dossiers", **p.query, column=c)}
                     for c in ("received_total", "received_online", "received_direct_postal", "carried_over")],
        "indicators": _indicator_rows(d.index, p),
        "children": _child_rows(d, p, key, descending),
        "sort_headers": _sort_headers(p, key, descending, sort_names),
        "sort_error": sort_error,
        "procedures": [{"code": x.code, "name": x.name, "late": x.row.resolved_late,
                        "overdue": x.row.in_progress_overdue, "received": x.row.received_total,
                        "late_url": _url("dossiers", **p.query, column="resolved_late", procedure=x.code),
                        "overdue_url": _url("dossiers", **p.query, column="in_progress_overdue", procedure=x.code)}
                       for x in d.procedures],
        "charts": dash.chart_data(d),
        "late_url": _url("late", **p.query),
        "xlsx_url": _url("dashboard_xlsx", **p.query),
        "ii06a_url": _url("ii06a", **p.query),
    }
    return render(request, template, context)


def _attribution(p: Params, by: dash.LateBy, request: HttpRequest) -> list[dict[str, Any]]:
    assert p.unit is not None and p.period is not None
    return dash.late_attribution(p.unit, p.period.to_date(timezone.localdate()), by, user=request.user,
                                 now=timezone.now())


@login_required
@require_GET
def late(request: HttpRequest) -> HttpResponse:
    """Late steps by unit and step, or by officer: a paginated table (an htmx fragment, or a page)."""
    p = _params(request)
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    if not p.ok:
        return _invalid(request, p, "metrics/late.html", "late", _("Late steps"))
    by_value = request.GET.get("by", dash.LateBy.STEP.value)
    error = ""
    if by_value not in {b.value for b in dash.LateBy}:
        error = _("Choose how to group the late steps: by step or by officer.")
        by_value = dash.LateBy.STEP.value
    by = dash.LateBy(by_value)
    page = Paginator(_attribution(p, by, request), LATE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for r in page.object_list:
        key = ({"step_unit": r["unit__code"], "step": r["name"]} if by is dash.LateBy.STEP else
               {"step_unit": r["unit__code"], "officer": r["holder_id"] or 0})
        rows.append({"unit_code": r["unit__code"], "unit_name": r["unit__name"],
                     "who": r["name"] if by is dash.LateBy.STEP else dash.officer_name(r),
                     "finished_late": r["finished_late"], "overdue": r["overdue"], "total": r["total"],
                     "url": _url("dossiers", **p.query, late=by.value, **key)})

    def page_url(number: int) -> str:
        return _url("late", **p.query, by=by.value, page=number)

    context = {
        **_form_context(request, p, "late"),
        "title": _("Late steps"), "unit": p.unit, "period": p.period, "by": by.value, "rows": rows, "page": page,
        "by_error": error,
        "tabs": [{"by": b.value, "label": label, "url": _url("late", **p.query, by=b.value), "current": b is by}
                 for b, label in ((dash.LateBy.STEP, _("By unit and step")), (dash.LateBy.OFFICER, _("By officer")))],
        "previous_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
        "dashboard_url": _url("dashboard", **p.query),
    }
    response = render(request, "metrics/_late.html" if partial else "metrics/late.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    if not p.ok:
        return _invalid(request, p, "metrics/dashboard.html", "dashboard", _("Service dashboard"))
    assert p.unit is not None and p.period is not None
    d = dash.dashboard(p.unit, p.period, user=request.user, today=timezone.localdate())
    attribution = {by: list(_attribution(p, by, request)[:dash.XLSX_MAX_ROWS]) for by in dash.LateBy}
    response = HttpResponse(dash.dashboard_xlsx(d, attribution),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{p.unit.code}-{p.period.token}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------------------
# Drill-down: the dossiers (or procedures) behind a figure


@dataclass
class Drilldown:
    title: str
    explanation: str
    dossiers: selectors.Behind | None = None
    procedures: QuerySet[Any] | None = None
    error: str = ""


def _drilldown(request: HttpRequest, p: Params) -> Drilldown:
    assert p.unit is not None and p.period is not None
    user = request.user
    days = p.period.to_date(timezone.localdate())
    g = request.GET
    indicator, column, late_by = g.get("indicator", ""), g.get("column", ""), g.get("late", "")
    if indicator:
        part = g.get("part", "")
        if indicator not in INDICATOR_NAMES or part not in ("numerator", "denominator"):
            return Drilldown(_("Dossiers"), "", error=_("Choose a figure of the dashboard: this indicator or part "
                                                         "does not exist."))
        index_names = INDICATOR_PARTS[indicator]
        title = f"{indicator} {INDICATOR_NAMES[indicator]}"
        explanation = str(index_names[0] if part == "numerator" else index_names[1])
        label = _("Numerator") if part == "numerator" else _("Denominator")
        title = f"{title} — {label}"
        spec_source = next(s.source for s in m.DEFAULT.indicators if s.code == indicator)
        if spec_source is m.Source.FEEDBACK:
            return Drilldown(title, explanation, error=_("This indicator has no data yet: the feedback and rating "
                                                        "modules are not available."))
        if spec_source is m.Source.PROCEDURES:
            return Drilldown(title, explanation,
                             procedures=selectors.indicator_procedures(indicator, part, p.unit, days, user=user))
        return Drilldown(title, explanation,
                         dossiers=selectors.indicator_behind(indicator, part, p.unit, days, user=user))
    if column:
        if column not in m.II06A_COLUMNS:
            return Drilldown(_("Dossiers"), "", error=_("Choose a figure of the report: this column does not "
                                                        "exist."))
        field_id: int | None = None
        field_text = g.get("field", "")
        if field_text:
            if not field_text.isascii() or not field_text.isdigit() or len(field_text) > 9:
                return Drilldown(_("Dossiers"), "", error=_("Choose a field of the report."))
            field_id = int(field_text)
        title = str(II06A_HEADERS[column])
        explanation = _("Form II.06a, column “%(column)s”") % {"column": title}
        procedure = g.get("procedure", "")
        if procedure:
            if len(procedure) > 30 or not _control_free(procedure):
                return Drilldown(_("Dossiers"), "", error=_("Choose a procedure of the dashboard."))
            explanation += " — " + _("procedure %(code)s") % {"code": procedure}
        behind = selectors.ii06a_behind(column, p.unit, days, field_id=field_id, procedure_code=procedure or None,
                                        user=user)
        if field_id is not None:
            explanation += " — " + _("one field of the report")
        return Drilldown(title, explanation, dossiers=behind)
    if late_by:
        if late_by not in {b.value for b in dash.LateBy}:
            return Drilldown(_("Dossiers"), "", error=_("Choose a row of the late steps."))
        unit_code = g.get("step_unit", "")
        by = dash.LateBy(late_by)
        officer_text = g.get("officer", "0")
        if not unit_code or not _control_free(unit_code) or len(unit_code) > 20 or (
                by is dash.LateBy.OFFICER and not (officer_text.isascii() and officer_text.isdigit()
                                                   and len(officer_text) < 10)):
            return Drilldown(_("Dossiers"), "", error=_("Choose a row of the late steps."))
        step = g.get("step", "")[:255]
        key = dash.LateKey(by, unit_code, step=step, officer=int(officer_text) if by is dash.LateBy.OFFICER else 0)
        if by is dash.LateBy.STEP:
            explanation = _("Late at the step “%(step)s” of %(unit)s") % {"step": step, "unit": unit_code}
        else:
            explanation = _("Late steps held by one officer in %(unit)s") % {"unit": unit_code}
        return Drilldown(_("Dossiers with a late step"), explanation,
                         dossiers=selectors.Behind(dash.late_key_dossiers(key, p.unit, days, user=user,
                                                                          now=timezone.now()), None))
    return Drilldown(_("Dossiers"), "", error=_("Choose a figure of the dashboard to see the dossiers behind it."))


@login_required
@require_GET
def dossiers(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    if not p.ok:
        return _invalid(request, p, "metrics/dossiers.html", "dossiers", _("Dossiers"))
    dd = _drilldown(request, p)
    status = 400 if dd.error else 200
    context: dict[str, Any] = {
        "title": dd.title, "explanation": dd.explanation, "error": dd.error, "unit": p.unit, "period": p.period,
        "dashboard_url": _url("dashboard", **p.query), "ii06a_url": _url("ii06a", **p.query),
        "days": p.period.to_date(timezone.localdate()) if p.period else None,
    }
    if dd.dossiers is not None:
        try:
            keyset = selectors.behind_page(dd.dossiers, request.GET.get("after"), request.GET.get("before"),
                                           PAGE_SIZE)
        except CursorError:
            keyset = selectors.behind_page(dd.dossiers, None, None, PAGE_SIZE)
            context["error"] = _("That page of the list no longer exists: here is its first page.")
        base = {k: v for k, v in request.GET.items() if k not in ("page", "after", "before")}

        def cursor_url(key: str, cursor: str | None) -> str:
            return f"{reverse('metrics:dossiers')}?{urlencode({**base, key: cursor})}" if cursor else ""

        context.update(listed=True, count=keyset.count, capped=keyset.capped, rows=_dossier_rows(keyset.rows),
                       procedures=None, previous_url=cursor_url("before", keyset.previous_cursor),
                       next_url=cursor_url("after", keyset.next_cursor))
    elif dd.procedures is not None:
        page = Paginator(dd.procedures, PAGE_SIZE).get_page(request.GET.get("page"))
        base = {k: v for k, v in request.GET.items() if k != "page"}

        def page_url(number: int) -> str:
            return f"{reverse('metrics:dossiers')}?{urlencode({**base, 'page': number})}"

        context.update(listed=True, count=page.paginator.count, capped=False, page=page,
                       procedures=list(page.object_list),
                       previous_url=page_url(page.previous_page_number()) if page.has_previous() else "",
                       next_url=page_url(page.next_page_number()) if page.has_next() else "")
    return render(request, "metrics/dossiers.html", context, status=status)


def _dossier_rows(dossiers: Any) -> list[dict[str, Any]]:
    link = reverse("backoffice:dossier_detail", args=["CODE"])
    out = []
    for d in dossiers:
        received = timezone.localtime(d.received_at) if d.received_at else None
        due = timezone.localtime(d.due_at) if d.due_at else None
        finished = timezone.localtime(d.finished_at) if d.finished_at else None
        out.append({
            "code": d.code, "url": link.replace("CODE", d.code), "procedure": d.procedure.name,
            "procedure_code": d.procedure.code, "unit": d.competent_unit.name if d.competent_unit else "",
            "status": d.get_status_display(), "applicant": d.applicant_name,
            "received": received.strftime("%d/%m/%Y %H:%M") if received else "",
            "due": due.strftime("%d/%m/%Y %H:%M") if due else "",
            "finished": finished.strftime("%d/%m/%Y %H:%M") if finished else "",
        })
    return out


# ---------------------------------------------------------------------------------------------------------
# Biểu II.06a


def _ii06a_report(request: HttpRequest, p: Params) -> selectors.Ii06aReport:
    assert p.unit is not None and p.period is not None
    return selectors.ii06a(p.unit, p.period.to_date(timezone.localdate()), user=request.user)


@login_required
@require_GET
def ii06a(request: HttpRequest) -> HttpResponse:
    p = _params(request)
    template = "metrics/ii06a_screen.html"
    title = _("Form II.06a")
    if not p.ok:
        return _invalid(request, p, template, "ii06a", title)
    report = _ii06a_report(request, p)

    def cells(row: m.Ii06aRow, field_id: int | None) -> list[dict[str, Any]]:
        return [{"value": v, "url": _url("dossiers", **p.query, column=c, field=field_id or "")}
                for c, v in zip(m.II06A_COLUMNS, row.values(), strict=True)]

    context = {
        **_form_context(request, p, "ii06a"),
        "title": title, "unit": p.unit, "period": p.period, "days": report.period,
        "headers": [str(II06A_HEADERS[c]) for c in m.II06A_COLUMNS],
        "lines": [{"number": n, "name": line.field_name, "cells": cells(line.row, line.field_id)}
                  for n, line in enumerate(report.lines, start=1)],
        "total": cells(report.total, None),
        "xlsx_url": _url("ii06a_xlsx", **p.query), "pdf_url": _url("ii06a_pdf", **p.query),
        "dashboard_url": _url("dashboard", **p.query),
    }
    return render(request, template, context)


def _download(request: HttpRequest, kind: str) -> HttpResponse:
    p = _params(request)
    if not p.ok:
        return _invalid(request, p, "metrics/ii06a_screen.html", "ii06a", _("Form II.06a"))
    assert p.unit is not None and p.period is not None
    report = _ii06a_report(request, p)
    if kind == "xlsx":
        body, content_type = exports.ii06a_xlsx(report), (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        body, content_type = exports.ii06a_pdf(report), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ii06a-{p.unit.code}-{p.period.token}.{kind}"'
    return response


@login_required
@require_GET
def ii06a_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")


@login_required
@require_GET
def ii06a_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, "pdf")
