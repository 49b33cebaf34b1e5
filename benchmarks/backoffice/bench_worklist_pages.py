"""Worklist pages at 1,000,000 dossiers: the whole back-office page (`GET /backoffice/worklist/?tab=…&sort=…`,
tab counts, filters, page of 50 rows, template) through Django's test client, server time only.

Builds (once) the database `motcua_bench_worklist` (or BENCH_WORKLIST_DB) with `motcua generate --dossiers
1000000`. Officers of one commune (72,000 dossiers in processing), of a department (two
units) and the province monitor (every unit); every tab, every sort, plus the back-office home page
with its tab counts. Each page is requested RUNS times (after one warm-up); prints p50 and max per
officer and page, the overall p50/p95/p99, and the in-process CPU time per request (which other load on
the machine inflates less). Goal: every page ≤ 150 ms (p95 over all pages).

    .venv/bin/python benchmarks/backoffice/bench_worklist_pages.py [--runs 5] [--sorts due,-due,…]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dossiers"))

from common import ensure_million, machine, percentile, setup_django

DB = os.environ.get("BENCH_WORKLIST_DB", "motcua_bench_worklist")
OFFICERS = ("anhoa.chuyenvien", "anhoa.lanhdao", "stp.lanhdao", "tinh.giamsat")
SORTS = ("due", "-due", "received", "-received", "code", "-code")
GOAL_MS = 150


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sorts", default=",".join(SORTS))
    args = parser.parse_args()
    ensure_million(DB)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    setup_django(DB)
    from django.db import connection
    from django.test import Client

    from motcua.core.models import User
    from motcua.dossiers.worklists import scope_for, visible_tabs

    sorts = args.sorts.split(",")
    every: list[float] = []
    cpu: list[float] = []
    worst: list[tuple[float, str]] = []
    print(f"machine: {machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        print(f"dossiers: {cursor.fetchone()[0]:,}")
    for name in OFFICERS:
        user = User.objects.get(username=name)
        client = Client()
        client.force_login(user)
        tabs = visible_tabs(scope_for(user))
        urls = ["/backoffice/"] + [f"/backoffice/worklist/?tab={t.value}&sort={s}" for t in tabs for s in sorts]
        urls.append("/backoffice/worklist/?tab=unit&q=Nguy%E1%BB%85n+V%C4%83n+An")  # search by name
        line = []
        for url in urls:
            response = client.get(url)  # warm-up
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                began, began_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)
            every.extend(times)
            p50 = percentile(times, 50)
            worst.append((max(times), f"{name} {url}"))
            line.append(f"{url.split('?')[-1] if '?' in url else 'home'}: {p50:.0f}")
        print(f"{name} (p50 ms): " + ", ".join(line))
    worst.sort(reverse=True)
    print("slowest (max ms): " + "; ".join(f"{ms:.0f} {what}" for ms, what in worst[:5]))
    p95 = percentile(every, 95)
    print(f"all pages ({len(every)} requests): p50 {percentile(every, 50):.1f} ms, p95 {p95:.1f} ms, "
          f"p99 {percentile(every, 99):.1f} ms, max {max(every):.1f} ms")
    print(f"in-process CPU per request (Python side, robust to other load): p50 {percentile(cpu, 50):.1f} ms, "
          f"p95 {percentile(cpu, 95):.1f} ms")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    ok = p95 <= GOAL_MS
    print(f"goal p95 ≤ {GOAL_MS} ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
