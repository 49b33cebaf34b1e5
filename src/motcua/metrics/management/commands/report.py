"""`motcua report …`: the service index, Biểu II.06a, the dossiers behind a figure, rollup upkeep.

    motcua report service-index --from 2026-01-01 --to 2026-03-31 [--unit CODE | --all-units] --format json|table
    motcua report ii06a --from 2026-01-01 --to 2026-03-31 [--unit CODE] --format json|xlsx|pdf [--output FILE]
    motcua report dossiers --indicator 2.1 --part numerator --from … --to … [--unit CODE] [--limit N --offset N]
    motcua report dossiers --ii06a-column resolved_late [--field CODE] --from … --to … [--unit CODE]
    motcua report rebuild          # recompute every rollup from the dossiers and their events
    motcua report verify --from … --to … [--unit CODE]   # rollups against a direct recomputation

Without `--unit` the report is for the province (the root of the unit tree). Messages are in the
site's language (Vietnamese by default).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from motcua.metrics import domain as m
from motcua.metrics import exports, selectors

EXIT_INVALID = 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.") % {
            "value": value}, returncode=EXIT_INVALID) from exc


class Command(BaseCommand):
    help = "Reports: the Decision 766 service index, Biểu II.06a, the dossiers behind a figure, rollup upkeep."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        def period(p: CommandParser) -> None:
            p.add_argument("--from", dest="first", required=True, help="first day of the period (YYYY-MM-DD)")
            p.add_argument("--to", dest="last", required=True, help="last day of the period, included")
            p.add_argument("--unit", default="", help="unit code (default: the province, the root unit)")

        idx = sub.add_parser("service-index", help="Decision 766/QĐ-TTg service index of a unit and period.")
        period(idx)
        idx.add_argument("--all-units", action="store_true", help="every unit of the tree (under --unit)")
        idx.add_argument("--format", choices=("json", "table"), default="table")

        ii = sub.add_parser("ii06a", help="Biểu II.06a: handling of administrative procedures per field.")
        period(ii)
        ii.add_argument("--format", choices=("json", "xlsx", "pdf"), default="json")
        ii.add_argument("--output", type=Path, default=None,
                        help="file to write (xlsx and pdf; default: ii06a-UNIT-FROM-TO.EXT)")

        dd = sub.add_parser("dossiers", help="The dossiers behind a figure (codes, one per line).")
        period(dd)
        what = dd.add_mutually_exclusive_group(required=True)
        what.add_argument("--indicator", help="indicator code, e.g. 2.1")
        what.add_argument("--ii06a-column", choices=m.II06A_COLUMNS)
        dd.add_argument("--part", choices=[p.value for p in selectors.Part], default="numerator")
        dd.add_argument("--field", default="", help="field code (II.06a rows)")
        dd.add_argument("--limit", type=int, default=100)
        dd.add_argument("--offset", type=int, default=0)
        dd.add_argument("--format", choices=("json", "table"), default="table")

        sub.add_parser("rebuild", help="Recompute every rollup from the dossiers and their events.")

        ver = sub.add_parser("verify", help="Compare the rollups with a direct recomputation from the dossiers.")
        period(ver)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            try:
                getattr(self, "_" + options["verb"].replace("-", "_"))(options)
            except ValueError as exc:  # rollup sums that contradict each other (`domain.ii06a_row`)
                raise CommandError(_("The rollups are inconsistent (%(error)s): run “motcua report verify”, then "
                                     "“motcua report rebuild”.") % {"error": exc}, returncode=1) from exc

    # ---- helpers ----

    def _period(self, options: dict[str, Any]) -> m.Period:
        first, last = _date(options["first"]), _date(options["last"])
        if last < first:
            raise CommandError(_("The period ends before it starts: --to must be on or after --from."),
                               returncode=EXIT_INVALID)
        return m.Period(first, last)

    def _unit(self, options: dict[str, Any]) -> Any:
        code = options.get("unit") or ""
        unit = selectors.unit_by_code(code) if code else selectors.default_unit()
        if unit is None:
            raise CommandError(
                _("No unit with code “%(code)s”. List the units with the back office or the units API.") % {
                    "code": code} if code else _("There is no unit yet: load the province first (motcua demo)."),
                returncode=EXIT_INVALID)
        return unit

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    # ---- verbs ----

    def _service_index(self, options: dict[str, Any]) -> None:
        period, unit = self._period(options), self._unit(options)
        if options["all_units"]:
            indexes = selectors.service_indexes(period, root=unit)
        else:
            indexes = [selectors.service_index(unit, period)]
        if options["format"] == "json":
            data = [exports.service_index_json(i) for i in indexes]
            self._json(data if options["all_units"] else data[0])
        else:
            self.stdout.write("\n\n".join(exports.service_index_table(i) for i in indexes))

    def _ii06a(self, options: dict[str, Any]) -> None:
        period, unit = self._period(options), self._unit(options)
        report = selectors.ii06a(unit, period)
        fmt = options["format"]
        if fmt == "json":
            self._json(exports.ii06a_json(report))
            return
        content = exports.ii06a_xlsx(report) if fmt == "xlsx" else exports.ii06a_pdf(report)
        path: Path = options["output"] or Path(f"ii06a-{unit.code}-{period.first}-{period.last}.{fmt}")
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc},
                               returncode=EXIT_INVALID) from exc
        self.stdout.write(_("Wrote %(path)s (%(size)s bytes).") % {"path": path, "size": len(content)})

    def _dossiers(self, options: dict[str, Any]) -> None:
        period, unit = self._period(options), self._unit(options)
        limit, offset = options["limit"], options["offset"]
        if not 1 <= limit <= 10_000 or offset < 0:
            raise CommandError(_("--limit is 1 to 10000 and --offset at least 0."), returncode=EXIT_INVALID)
        code = options["indicator"]
        try:
            if code:
                spec_codes = {s.code for s in m.DEFAULT.indicators}
                if code not in spec_codes:
                    raise ValueError(_("Unknown indicator “%(code)s”; the indicators are %(codes)s.") % {
                        "code": code, "codes": ", ".join(sorted(spec_codes))})
                if code in ("3.1", "3.2", "3.5"):
                    procedures = selectors.indicator_procedures(code, options["part"], unit, period)
                    total = procedures.count()
                    rows = [{"code": p.code, "name": p.name} for p in procedures[offset:offset + limit]]
                    self._rows(options, total, rows, ("code", "name"))
                    return
                if code.startswith("5."):
                    raise ValueError(_("Indicator %(code)s has no data yet: the feedback and rating modules are "
                                       "not available.") % {"code": code})
                qs = selectors.indicator_dossiers(code, options["part"], unit, period)
            else:
                field_id = None
                if options["field"]:
                    from motcua.catalog.selectors import fields

                    field_id = fields().filter(code=options["field"]).values_list("pk", flat=True).first()
                    if field_id is None:
                        raise ValueError(_("No field with code “%(code)s”.") % {"code": options["field"]})
                qs = selectors.ii06a_dossiers(options["ii06a_column"], unit, period, field_id=field_id)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID) from exc
        total = qs.count()
        rows = [{"code": d.code, "procedure": d.procedure.code, "status": d.status,
                 "received_at": timezone.localtime(d.received_at).isoformat() if d.received_at else None,
                 "finished_at": timezone.localtime(d.finished_at).isoformat() if d.finished_at else None}
                for d in qs[offset:offset + limit]]
        self._rows(options, total, rows, ("code", "procedure", "status", "received_at", "finished_at"))

    def _rows(self, options: dict[str, Any], total: int, rows: list[dict[str, Any]], cols: tuple[str, ...]) -> None:
        if options["format"] == "json":
            self._json({"total": total, "offset": options["offset"], "results": rows})
            return
        for row in rows:
            self.stdout.write("\t".join("" if row[c] is None else str(row[c]) for c in cols))
        self.stderr.write(_("%(shown)s of %(total)s (from %(offset)s).") % {
            "shown": len(rows), "total": total, "offset": options["offset"]})

    def _rebuild(self, options: dict[str, Any]) -> None:
        from motcua.metrics.rollups import rebuild_all

        def number(value: float, decimals: int = 0) -> str:
            return str(formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True))

        def progress(done: int, total: int) -> None:
            self.stderr.write(_("%(done)s/%(total)s dossiers") % {"done": number(done), "total": number(total)})
            sys.stderr.flush()

        result = rebuild_all(progress=progress)
        self.stdout.write(self.style.SUCCESS(
            _("Rebuilt the rollups of %(n)s received dossiers: %(rows)s rollup rows, %(spans)s spans, in "
              "%(s)s s.") % {"n": number(result.facts), "rows": number(result.rollup_rows),
                             "spans": number(result.spans), "s": number(result.seconds, 1)}))

    def _verify(self, options: dict[str, Any]) -> None:
        from motcua.metrics.direct import verify

        period, unit = self._period(options), self._unit(options)
        problems = verify(period, [unit])
        if problems:
            for p in problems[:50]:
                self.stdout.write(f"{p.unit}\t{p.procedure_id}\t{p.column}\t{p.rollup}\t{p.direct}")
            raise CommandError(_("%(n)s figures differ between the rollups and a direct recomputation; run "
                                 "“motcua report rebuild”.") % {"n": len(problems)}, returncode=1)
        self.stdout.write(self.style.SUCCESS(_("The rollups agree with a direct recomputation from the dossiers.")))
