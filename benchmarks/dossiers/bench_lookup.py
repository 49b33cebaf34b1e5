"""Public lookup by code at 1,000,000 dossiers: `selectors.public_lookup(code)` for 1,000 random codes.

Builds (once) the database `motcua_bench` with `motcua generate --dossiers 1000000`, then times the
selector (SQL included). Prints p50/p99. Goal: p99 ≤ 20 ms.

    .venv/bin/python benchmarks/dossiers/bench_lookup.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import MILLION_DB, ensure_million, machine, percentile, setup_django

RUNS = 1000


def main() -> int:
    ensure_million()
    setup_django(MILLION_DB)
    from django.db import connection

    from motcua.dossiers.selectors import public_lookup

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("SELECT code FROM dossiers_dossier TABLESAMPLE BERNOULLI (0.3) REPEATABLE (7) LIMIT %s",
                       [RUNS])
        codes = [r[0] for r in cursor.fetchall()]
    public_lookup(codes[0])  # warm-up
    times = []
    found = 0
    for code in codes:
        began = time.perf_counter()
        row = public_lookup(code)
        times.append((time.perf_counter() - began) * 1000)
        found += row is not None
    missing = time.perf_counter()
    assert public_lookup("000.10.01.H99-000000-0000") is None
    missing_ms = (time.perf_counter() - missing) * 1000
    print(f"machine: {machine()}")
    print(f"dossiers: {total:,}; codes looked up: {len(codes)} (found {found}); unknown code: {missing_ms:.2f} ms")
    print(f"public lookup: p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms, "
          f"max {max(times):.2f} ms")
    ok = percentile(times, 99) <= 20
    print("goal p99 ≤ 20 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
