#!/usr/bin/env bash
# Every check and test: ruff, mypy (strict for domain/ packages), import-linter, pytest on SQLite,
# then pytest's database tests again on PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
B=.venv/bin
export DJANGO_ALLOW_ASYNC_UNSAFE=true   # live-server browser tests drive Playwright's sync API

echo "==> ruff";            $B/ruff check src tests benchmarks
echo "==> mypy";            $B/mypy
echo "==> import-linter";   $B/lint-imports
mkdir -p var
echo "==> migrations are up to date"; $B/motcua makemigrations --check --dry-run >/dev/null

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/motcua}
pg_up() {
  $B/python - "$PG_URL" <<'PY'
import sys, psycopg
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, password=u.password,
                    dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"!! PostgreSQL is not reachable at {u.hostname}:{u.port or 5432} ({exc.__class__.__name__}).", file=sys.stderr)
    sys.exit(1)
PY
}

# The two runs are independent (their own databases): the PostgreSQL run goes in the background, its output
# to var/test-postgres.log (printed at the end), so that both cores work.
PG_PID=""
if pg_up; then
  echo "==> pytest on PostgreSQL ($PG_URL): database tests, in the background (var/test-postgres.log)"
  ( DATABASE_URL="$PG_URL" $B/pytest tests -m "django_db or postgres_only" -p no:cacheprovider \
      > var/test-postgres.log 2>&1 ) &
  PG_PID=$!
else
  echo "!! SKIPPING the PostgreSQL integration run: no PostgreSQL server. The SQLite suite below does run." >&2
  if [ "${CI:-}" = "true" ]; then echo "!! CI requires PostgreSQL" >&2; exit 1; fi
fi

echo "==> pytest on SQLite (unit, integration, browser)"
sqlite_status=0
$B/pytest tests -m "not postgres_only" || sqlite_status=$?

pg_status=0
if [ -n "$PG_PID" ]; then
  wait "$PG_PID" || pg_status=$?
  echo "==> pytest on PostgreSQL ($PG_URL): database tests"
  cat var/test-postgres.log
fi
echo "==> SQLite run: exit $sqlite_status; PostgreSQL run: exit $pg_status"
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
