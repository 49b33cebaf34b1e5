"""`motcua catalog import FILE` / `motcua catalog export FILE` (CSV, XLSX or JSON by extension).

Import validates every row first and imports all rows in one transaction, or none: on any problem it
prints a row-by-row report in Vietnamese (row, column, what is wrong and how to fix it) and exits with
code 2. Progress goes to stderr. The columns are documented in `motcua/catalog/IMPORT_FORMAT.md`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from motcua.catalog import selectors, services
from motcua.catalog.domain.rows import COLUMNS, REQUIRED_TEXT
from motcua.catalog.files import FORMATS, UnsupportedFormat, file_format, read_rows, write_rows

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Import or export the procedure catalogue (CSV, XLSX or JSON, chosen by the file extension)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Validate every row, then import all of them or none.")
        imp.add_argument("file", type=Path)
        imp.add_argument("--progress-every", type=int, default=500,
                         help="Print progress to stderr every N rows (0: never).")
        exp = sub.add_parser("export", help="Write every procedure to FILE.")
        exp.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        # Administrators read the report: Vietnamese, whatever the shell's locale.
        with translation.override("vi"):
            path: Path = options["file"]
            try:
                file_format(path)
            except UnsupportedFormat as exc:
                raise CommandError(_("Unsupported file type “%(ext)s”; use one of: %(formats)s.")
                                   % {"ext": path.suffix, "formats": ", ".join(f".{f}" for f in FORMATS)},
                                   returncode=EXIT_INVALID) from exc
            if options["action"] == "export":
                count = write_rows(path, selectors.export_rows())
                self.stdout.write(_("Exported %(count)s procedure(s) to %(file)s.") % {"count": count, "file": path})
                return
            self._import(path, options["progress_every"])

    def _progress(self, every: int) -> services.Progress:
        labels = {"validate": _("Checked"), "write": _("Imported")}

        def report(phase: str, done: int, total: int) -> None:
            if every > 0 and (done % every == 0 or done == total):
                percent = f" ({done * 100 // total}%)" if total else ""
                self.stderr.write(_("%(label)s %(done)s/%(total)s rows%(percent)s") % {
                    "label": labels[phase], "done": done, "total": total, "percent": percent})
                sys.stderr.flush()

        return report

    def _import(self, path: Path, every: int) -> None:
        if not path.is_file():
            raise CommandError(_("File %(file)s does not exist.") % {"file": path}, returncode=EXIT_INVALID)
        try:
            data = read_rows(path)
        except (ValueError, OSError, KeyError) as exc:
            raise CommandError(_("The file cannot be read: %(error)s") % {"error": exc},
                               returncode=EXIT_INVALID) from exc
        problems: list[services.RowProblem] = []
        if path.suffix.lower() != ".json":
            unknown = [h for h in data.headers if h and h not in COLUMNS]
            missing = [c for c in REQUIRED_TEXT if c not in data.headers]
            if unknown:
                problems.append(services.RowProblem(1, ", ".join(unknown), _(
                    "Unknown column(s); fix the header to the names in IMPORT_FORMAT.md or delete the column.")))
            if missing:
                problems.append(services.RowProblem(1, ", ".join(missing), _(
                    "Required column(s) missing from the header row; add them.")))
            for _n, row in data.rows:
                for header in unknown:
                    row.pop(header, None)
                row.pop("", None)
        if not problems:
            try:
                summary = services.import_procedures(data.rows, total=len(data.rows), progress=self._progress(every))
            except services.CatalogImportError as exc:
                problems = exc.problems
            else:
                self.stdout.write(_("Imported %(total)s procedure(s): %(created)s new, %(updated)s updated.") % {
                    "total": summary.created + summary.updated, "created": summary.created,
                    "updated": summary.updated})
                return
        self.stdout.write(_("The file has %(count)s problem(s); nothing was imported. Fix them and run the "
                            "import again:") % {"count": len(problems)})
        for problem in problems:
            self.stdout.write(f"  {problem}")
        raise CommandError(_("Nothing was imported: %(count)s problem(s).") % {"count": len(problems)},
                           returncode=EXIT_INVALID)
