"""Dossier page and return desk at 1,000,000 dossiers: server time of whole requests (middleware, session,
permission checks, every query, template rendering) through Django's test client.

Builds (once) the database `motcua_bench_dossier_page` with `motcua generate --dossiers 1000000`, then, as
the demo reception officer of phường An Hòa, times GET /backoffice/dossiers/<code>/ (with the in-page
viewer's query too), GET /backoffice/returns/?q=<lookup URL> for codes of that unit, and the same pages as
the demo leader, and their lateness alerts page (after timing the alert scan over the whole database twice:
the first run raises the alerts, the second finds them raised). Prints p50/p99 per page. Goal: every page
≤ 150 ms (p99).

    .venv/bin/python benchmarks/dossiers/bench_dossier_page.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dossiers"))

from common import ensure_million, machine, percentile, setup_django

DB = os.environ.get("BENCH_DOSSIER_PAGE_DB", "motcua_bench_dossier_page")
RUNS = 300
GOAL_MS = 150.0


def main() -> int:
    ensure_million(DB)
    setup_django(DB)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from motcua.core.selectors import roles_of  # noqa: F401 - app registry ready
    from motcua.dossiers.selectors import officer_by_username

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT d.code FROM dossiers_dossier d JOIN core_unit u ON u.id = d.receiving_unit_id "
            "WHERE u.code = '000.10.01.H99' ORDER BY md5(d.code) LIMIT %s", [RUNS])
        codes = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT d.code FROM dossiers_dossier d JOIN core_unit u ON u.id = d.receiving_unit_id "
            "WHERE u.code = '000.10.01.H99' AND d.status = 9 ORDER BY md5(d.code) LIMIT %s", [RUNS // 3])
        ready = [r[0] for r in cursor.fetchall()]
    print(f"machine: {machine()}")
    print(f"dossiers: {total:,}; sample: {len(codes)} codes of phường An Hòa ({len(ready)} ready for return)")
    from motcua.dossiers.alerts import run_scan

    for attempt in ("first", "second"):
        began = time.perf_counter()
        report = run_scan()
        print(f"lateness scan ({attempt} run): {time.perf_counter() - began:.2f} s, checked {dict(report.checked)}, "
              f"raised {dict(report.raised)}")
    ok = True
    for username in ("anhoa.tiepnhan", "anhoa.lanhdao"):
        user = officer_by_username(username)
        assert user is not None, f"demo user {username} missing (motcua demo)"
        client = Client()
        client.force_login(user)
        pages = {
            "dossier page": [f"/backoffice/dossiers/{c}/" for c in codes],
            "return desk (scan)": [f"/backoffice/returns/?q=http://x/lookup/%3Fcode%3D{c}" for c in ready or codes],
            "alerts page": ["/backoffice/alerts/"] * (RUNS // 10),
        }
        for name, urls in pages.items():
            client.get(urls[0])  # warm-up (templates, calendars)
            times: list[float] = []
            queries: list[int] = []
            for url in urls:
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries.append(len(captured.captured_queries))
            p99 = percentile(times, 99)
            ok = ok and p99 <= GOAL_MS
            print(f"{username:16} {name:20} p50 {percentile(times, 50):6.1f} ms  p99 {p99:6.1f} ms  "
                  f"max {max(times):6.1f} ms  queries {min(queries)}–{max(queries)}")
    print(f"goal p99 ≤ {GOAL_MS:.0f} ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
