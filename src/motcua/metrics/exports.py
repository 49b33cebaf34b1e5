"""The reports as JSON, text tables, XLSX (openpyxl) and PDF (WeasyPrint): shared by the command and screens."""

from __future__ import annotations

import io
import logging
import shlex
from fractions import Fraction
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from motcua.metrics import domain as m
from motcua.metrics.indicators import II06A_HEADERS, NO_DATA
from motcua.metrics.selectors import Ii06aReport, IndicatorResult, ServiceIndex

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _num(value: Fraction | None, places: int) -> float | None:
    return None if value is None else float(m.rounded(value, places))


def drilldown_command(unit_code: str, period: m.Period, *, indicator: str = "", part: str = "", column: str = "",
                      field: str = "") -> str:
    """The `motcua report dossiers …` command that lists the dossiers behind a figure."""
    args = ["motcua", "report", "dossiers"]
    if indicator:
        args += ["--indicator", indicator, "--part", part]
    else:
        args += ["--ii06a-column", column]
        if field:
            args += ["--field", field]
    args += ["--unit", unit_code, "--from", period.first.isoformat(), "--to", period.last.isoformat()]
    return shlex.join(args)


def indicator_json(i: IndicatorResult, unit_code: str, period: m.Period) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": i.code, "name": i.name, "group": i.group.value,
        "numerator": i.numerator, "denominator": i.denominator,
        "ratio": _num(i.ratio, 4), "score": _num(i.value, 2), "max_score": float(i.points),
        "threshold": None if i.threshold is None else float(i.threshold),
        "no_data": not i.has_data,
        "numerator_counts": i.numerator_label, "denominator_counts": i.denominator_label,
    }
    if not i.has_data:
        out["note"] = f"{NO_DATA}: {i.no_data_reason}"
    if i.source is not m.Source.FEEDBACK:
        out["drilldown"] = {part: drilldown_command(unit_code, period, indicator=i.code, part=part)
                            for part in ("numerator", "denominator")}
    return out


def service_index_json(index: ServiceIndex) -> dict[str, Any]:
    unit, period = index.unit, index.period
    return {
        "unit": unit.code, "unit_name": unit.name,
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "indicators": [indicator_json(i, unit.code, period) for i in index.indicators],
        "groups": [{"code": g.group.value, "name": g.name, "score": _num(g.score, 2),
                    "max_score": _num(g.max_score, 2), "full_max_score": _num(g.full_max_score, 2),
                    "indicators_with_data": g.with_data, "indicators": g.indicators} for g in index.groups],
        "total": _num(index.total, 2),
        "total_max_score": _num(index.total_max, 2),
    }


def _pct(value: Fraction | None) -> str:
    return "" if value is None else f"{_decimal(value * 100)}%"


def _decimal(value: Fraction) -> str:
    """Two decimals in the active language's format (64,52 in Vietnamese)."""
    return str(formats.number_format(m.rounded(value, 2), decimal_pos=2, use_l10n=True))


def service_index_table(index: ServiceIndex) -> str:
    """A plain-text table (one line per indicator, then the groups and the total)."""
    period = index.period
    lines = [
        _("Service index (Decision 766/QĐ-TTg) — %(unit)s (%(code)s), %(first)s to %(last)s") % {
            "unit": index.unit.name, "code": index.unit.code, "first": period.first.strftime("%d/%m/%Y"),
            "last": period.last.strftime("%d/%m/%Y")},
        "",
    ]
    head = (_("Code"), _("Indicator"), _("Numerator"), _("Denominator"), _("Ratio"), _("Score"))
    rows: list[tuple[str, ...]] = []
    for i in index.indicators:
        if i.has_data:
            rows.append((i.code, i.name, str(i.numerator), str(i.denominator), _pct(i.ratio),
                         f"{_decimal(i.value or Fraction(0))} / {i.points}"))
        else:
            rows.append((i.code, i.name, "—", "—", str(NO_DATA), f"— / {i.points}"))
    widths = [max(len(str(r[c])) for r in (head, *rows)) for c in range(len(head))]

    def fmt(r: tuple[str, ...]) -> str:
        cells = [str(r[0]).ljust(widths[0]), str(r[1]).ljust(widths[1])]
        cells += [str(v).rjust(w) for v, w in zip(r[2:], widths[2:], strict=True)]
        return "  ".join(cells).rstrip()

    lines += [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows] + [""]
    for g in index.groups:
        lines.append(_("%(name)s: %(score)s / %(max)s (maximum %(full)s; %(n)s of %(total)s indicators with data)") % {
            "name": g.name, "score": _decimal(g.score), "max": _decimal(g.max_score),
            "full": _decimal(g.full_max_score), "n": g.with_data, "total": g.indicators})
    lines.append(_("Total: %(score)s / %(max)s (indicators with data)") % {
        "score": _decimal(index.total), "max": _decimal(index.total_max)})
    return "\n".join(lines)


# ---- Biểu II.06a ---------------------------------------------------------------------------------------


def ii06a_json(report: Ii06aReport) -> dict[str, Any]:
    unit, period = report.unit, report.period

    def row(r: m.Ii06aRow) -> dict[str, int]:
        return dict(zip(m.II06A_COLUMNS, r.values(), strict=True))

    return {
        "form": "II.06a", "unit": unit.code, "unit_name": unit.name,
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "columns": [{"code": c, "name": str(II06A_HEADERS[c])} for c in m.II06A_COLUMNS],
        "rows": [{"field": line.field_code, "field_name": line.field_name, **row(line.row)} for line in report.lines],
        "total": row(report.total),
    }


def _context(report: Ii06aReport) -> dict[str, Any]:
    period = report.period
    return {
        "unit": report.unit, "first": period.first, "last": period.last,
        "lines": [(n, line.field_name, line.row.values()) for n, line in enumerate(report.lines, start=1)],
        "total": report.total.values(),
        "headers": [str(II06A_HEADERS[c]) for c in m.II06A_COLUMNS],
        "generated": timezone.localtime(),
    }


def ii06a_xlsx(report: Ii06aReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    c = _context(report)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "II.06a"
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"] = _("Form II.06a")
    ws["A1"].font = Font(italic=True)
    ws.merge_cells("A2:M2")
    ws["A2"] = _("SITUATION AND RESULTS OF HANDLING ADMINISTRATIVE PROCEDURES")
    ws["A2"].font = Font(bold=True, size=13)
    ws["A2"].alignment = center
    ws.merge_cells("A3:M3")
    ws["A3"] = _("Unit: %(unit)s (%(code)s) — reporting period from %(first)s to %(last)s") % {
        "unit": report.unit.name, "code": report.unit.code, "first": c["first"].strftime("%d/%m/%Y"),
        "last": c["last"].strftime("%d/%m/%Y")}
    ws["A3"].alignment = center
    top = 5
    groups = ((1, 1, _("No.")), (2, 2, _("Field")), (3, 6, _("Dossiers to resolve")),
              (7, 10, _("Dossiers resolved")), (11, 13, _("Dossiers in progress")))
    for first, last, title in groups:
        ws.cell(top, first, title)
        if first == last:
            ws.merge_cells(start_row=top, start_column=first, end_row=top + 1, end_column=last)
        else:
            ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
    for index, header in enumerate(c["headers"], start=3):
        ws.cell(top + 1, index, header)
    for col in range(1, 14):
        ws.cell(top + 2, col, f"({col})")
        for r in (top, top + 1, top + 2):
            cell = ws.cell(r, col)
            cell.font = bold
            cell.alignment = center
            cell.border = box
    r = top + 3
    for number, name, values in c["lines"]:
        ws.cell(r, 1, number)
        ws.cell(r, 2, name)
        for col, v in enumerate(values, start=3):
            ws.cell(r, col, v)
        r += 1
    ws.cell(r, 2, _("Total")).font = bold
    for col, v in enumerate(c["total"], start=3):
        ws.cell(r, col, v).font = bold
    for row in ws.iter_rows(min_row=top + 3, max_row=r, max_col=13):
        for cell in row:
            cell.border = box
            if cell.column != 2:
                cell.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    for col in range(3, 14):
        ws.column_dimensions[get_column_letter(col)].width = 13
    ws.row_dimensions[top + 1].height = 48
    ws.freeze_panes = ws.cell(top + 3, 3)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ii06a_html(report: Ii06aReport) -> str:
    return render_to_string("metrics/ii06a.html", _context(report))


def ii06a_pdf(report: Ii06aReport) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Self-contained HTML: never read a file or the network while printing.
    pdf = HTML(string=ii06a_html(report), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    assert pdf is not None
    return bytes(pdf)
