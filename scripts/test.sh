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

echo "==> pytest on SQLite (unit, integration, browser)"
$B/pytest tests -m "not postgres_only"

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/motcua}
if $B/python - "$PG_URL" <<'PY'
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
then
  echo "==> pytest on PostgreSQL ($PG_URL): database tests"
  DATABASE_URL="$PG_URL" $B/pytest tests -m "django_db or postgres_only" -p no:cacheprovider
else
  echo "!! SKIPPING the PostgreSQL integration run: no PostgreSQL server. The SQLite suite above did run." >&2
  if [ "${CI:-}" = "true" ]; then echo "!! CI requires PostgreSQL" >&2; exit 1; fi
fi
