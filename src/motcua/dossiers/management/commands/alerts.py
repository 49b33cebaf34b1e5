"""`motcua alerts run`: the lateness alert scan, for cron or a systemd timer (every 15 minutes).

Runs the scan in this process (progress on stderr, a summary on stdout), or with `--enqueue` puts the task
`scan_lateness_alerts` on the task queue for the workers (`motcua db_worker`). Idempotent: running it
again raises nothing new until a dossier enters a new state or its appointment moves.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "Lateness alerts: `run` raises the alerts due now (dossiers at risk, apology deadlines approaching)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        run = sub.add_parser("run", help="Scan the dossiers and raise (and e-mail) the alerts due now.")
        run.add_argument("--now", help="Judge at this instant (ISO 8601 with offset) instead of now.")
        run.add_argument("--lead-hours", type=float, default=None,
                         help="Apology alert lead time in working hours (default: settings, 4).")
        run.add_argument("--batch-size", type=int, default=500, help="Dossiers read per query (default 500).")
        run.add_argument("--enqueue", action="store_true",
                         help="Put the scan on the task queue for the workers instead of running it here.")

    def handle(self, *args: Any, **options: Any) -> None:
        from motcua.dossiers.alerts import run_scan
        from motcua.dossiers.tasks import scan_lateness_alerts

        if options["enqueue"]:
            result = scan_lateness_alerts.enqueue()
            self.stdout.write(f"Đã đưa lượt quét cảnh báo trễ hạn vào hàng đợi (mã {result.id}).")
            return
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now không hợp lệ: {options['now']!r} (ví dụ 2026-05-04T09:00+07:00).",
                                   returncode=EXIT_INVALID) from exc
            if now.tzinfo is None:
                raise CommandError("--now cần có múi giờ, ví dụ 2026-05-04T09:00+07:00.", returncode=EXIT_INVALID)
        lead_hours = options["lead_hours"]
        if lead_hours is not None and not 0 <= lead_hours <= 80:
            raise CommandError("--lead-hours phải từ 0 đến 80 giờ làm việc.", returncode=EXIT_INVALID)
        batch = options["batch_size"]
        if not 1 <= batch <= 10_000:
            raise CommandError("--batch-size phải từ 1 đến 10000.", returncode=EXIT_INVALID)
        labels = {"at_risk": "nguy cơ trễ hạn", "apology_due": "sắp hết hạn xin lỗi"}

        def progress(kind: str, checked: int, raised: int) -> None:
            self.stderr.write(f"{labels.get(kind, kind)}: đã xét {checked} hồ sơ, {raised} cảnh báo mới")
            sys.stderr.flush()

        report = run_scan(now=now, lead=None if lead_hours is None else timedelta(hours=lead_hours),
                          batch_size=batch, progress=progress)
        self.stdout.write(
            f"Cảnh báo mới: {report.raised['at_risk']} hồ sơ có nguy cơ trễ hạn, "
            f"{report.raised['apology_due']} hồ sơ sắp hết hạn xin lỗi và hẹn lại ngày trả kết quả.")
