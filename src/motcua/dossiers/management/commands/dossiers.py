"""`motcua dossiers import FILE.jsonl`: load historical dossiers from a legacy system, all or nothing.

The first pass checks every line and replays its events through the dossier rules; on any problem it
prints a line-by-line report in Vietnamese (line, field, what is wrong) and exits with code 2, writing
nothing. The second pass writes every dossier in one transaction. Progress goes to stderr. The format
is documented in README.md ("Importing historical dossiers").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.dossiers import importing

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Import historical dossiers (JSON Lines): validate every line, then import all of them or none."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import", help="Validate every line, then import all dossiers or none.")
        imp.add_argument("file", type=Path)
        imp.add_argument("--progress-every", type=int, default=1000,
                         help="Print progress to stderr every N lines (0: only at the end).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        every: int = options["progress_every"]
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.", returncode=EXIT_INVALID)
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Không đọc được tệp {path} (cần UTF-8): {exc}", returncode=EXIT_INVALID) from exc

        def progress(phase: str, done: int, total: int) -> None:
            label = "Đã kiểm tra" if phase == "validate" else "Đã ghi"
            unit = "dòng" if phase == "validate" else "hồ sơ"
            percent = f" ({done * 100 // total}%)" if total else ""
            self.stderr.write(f"{label} {done}/{total} {unit}{percent}")
            sys.stderr.flush()

        try:
            rows = importing.validate_lines(lines, total=len(lines), progress=progress, every=every)
        except importing.DossierImportError as exc:
            self.stdout.write(f"Tệp có {len(exc.problems)} lỗi; chưa nhập hồ sơ nào. Sửa các lỗi sau rồi nhập lại:")
            for problem in exc.problems:
                self.stdout.write(f"  {problem}")
            raise CommandError(f"Không nhập hồ sơ nào: {len(exc.problems)} lỗi.", returncode=EXIT_INVALID) from exc
        dossiers = importing.write_dossiers(rows, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Đã nhập {len(dossiers)} hồ sơ."))
