"""The report dashboard at scale: server time of whole requests (middleware, session, permission checks, every
query, template rendering) through Django's test client, on PostgreSQL.

Times, for one period (default the quarter 2025-Q4; the trend adds the three quarters before it):

* GET /reports/ as the demo monitor (the province: its index, the trend, the key rates, the dossiers by status,
  every child unit, the procedures with the most late dossiers);
* GET /reports/ as the demo leader of phường An Hòa (one commune);
* GET /reports/late/ for both (the late steps by unit and step, loaded by the page through htmx);
* GET /reports/ii06a/ for both.

It reads a database made by `benchmarks/metrics/bench_reports.py` (or `motcua generate`) and never builds
one: pass `--db` (default `motcua_bench_metrics`, 5,000,000 dossiers). To try it on a small one:

    .venv/bin/motcua migrate && .venv/bin/motcua demo && .venv/bin/motcua generate --dossiers 20000 \\
        --until 2026-03-02          # with DATABASE_URL=…/my_db
    .venv/bin/python benchmarks/metrics/bench_dashboard.py --db my_db [--runs 20] [--period 2025-Q4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dossiers"))

from common import database_exists, machine, percentile, psql, setup_django

MONITOR = "tinh.giamsat"
LEADER = "anhoa.lanhdao"
UNIT = "000.10.01.H99"  # phường An Hòa in the demo province


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.environ.get("BENCH_METRICS_DB", "motcua_bench_metrics"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--period", default="2025-Q4")
    args = parser.parse_args()
    if not database_exists(args.db):
        print(f"database {args.db} not found: build it with benchmarks/metrics/bench_reports.py or motcua generate",
              file=sys.stderr)
        return 2
    total = int(psql("SELECT count(*) FROM dossiers_dossier", args.db))
    setup_django(args.db)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from motcua.core.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"machine: {machine()}")
    print(f"database {args.db}: {total:,} dossiers; period {args.period}; {args.runs} runs per page")
    from datetime import timedelta

    from django.utils import timezone

    from motcua.dossiers.worklists import Sort, encode_cursor
    from motcua.metrics import domain as m
    from motcua.metrics.dashboards import ReportPeriod

    today = timezone.localdate()
    first = ReportPeriod.parse(args.period, today).to_date(today).first
    mid_cursor = encode_cursor(Sort.RECEIVED, m.midnight(first + timedelta(days=45), timezone.get_current_timezone()),
                               0)
    cases = [
        (MONITOR, "province dashboard", f"/reports/?period={args.period}"),
        (MONITOR, "province late steps", f"/reports/late/?period={args.period}"),
        (MONITOR, "province II.06a", f"/reports/ii06a/?period={args.period}"),
        (LEADER, "unit dashboard", f"/reports/?unit={UNIT}&period={args.period}"),
        (LEADER, "unit late steps", f"/reports/late/?unit={UNIT}&period={args.period}"),
        (LEADER, "unit II.06a", f"/reports/ii06a/?unit={UNIT}&period={args.period}"),
        # Drill-downs: the dossiers behind a figure, the first page and one from the middle of the quarter (by
        # position: a cursor at its 46th day, as if the Next link had been followed for weeks).
        (MONITOR, "province 2.1 numerator", f"/reports/dossiers/?period={args.period}&indicator=2.1&part=numerator"),
        (MONITOR, "  same, mid-quarter", f"/reports/dossiers/?period={args.period}&indicator=2.1&part=numerator"
                                         f"&after={mid_cursor}"),
        (MONITOR, "province resolved late", f"/reports/dossiers/?period={args.period}&column=resolved_late"),
        (LEADER, "unit received total", f"/reports/dossiers/?unit={UNIT}&period={args.period}&column=received_total"),
    ]
    clients: dict[str, Client] = {}
    for username in (MONITOR, LEADER):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    for username, label, url in cases:
        client = clients[username]
        response = client.get(url)  # warm-up (templates, catalogue)
        assert response.status_code == 200, (url, response.status_code)
        times: list[float] = []
        queries: list[int] = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
            queries.append(len(captured.captured_queries))
        print(f"{label:22} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"max {max(times):7.1f} ms  mean {statistics.fmean(times):7.1f} ms  queries {min(queries)}–"
              f"{max(queries)}  {len(response.content) // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
