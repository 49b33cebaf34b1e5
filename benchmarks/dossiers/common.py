"""Shared helpers of the dossier benchmarks: databases, the `motcua` command, Django setup, percentiles."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOTCUA = str(ROOT / ".venv" / "bin" / "motcua")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
MILLION_DB = os.environ.get("BENCH_DB", "motcua_bench")
SEED = 2026


def env_for(db: str, settings: str = "motcua.config.settings.prod") -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"{PG}/{db}", "DJANGO_SETTINGS_MODULE": settings,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"), "CONN_MAX_AGE": "60",
            "DEBUG": "0", "SECURE_COOKIES": "0", "LOG_LEVEL": "WARNING"}


def motcua(db: str, *args: str, capture: bool = False) -> str:
    done = subprocess.run([MOTCUA, *args], env=env_for(db), check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)
    return done.stdout or ""


def psql(sql: str, db: str = "postgres") -> str:
    import psycopg

    with psycopg.connect(f"{PG}/{db}", autocommit=True) as conn:
        cur = conn.execute(sql)
        return "" if cur.description is None else "\n".join(str(r[0]) for r in cur.fetchall())


def fresh_database(db: str) -> None:
    """Drop and create `db`, migrate it and load the demo province."""
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db}"')
    motcua(db, "migrate", "-v0")
    motcua(db, "demo", "--force", capture=True)


def database_exists(db: str) -> bool:
    return psql(f"SELECT count(*) FROM pg_database WHERE datname = '{db}'") == "1"


def ensure_million(db: str = MILLION_DB, n: int = 1_000_000) -> None:
    """A database with at least `n` generated dossiers (made once, then reused by the read benchmarks)."""
    if database_exists(db):
        try:
            if int(psql("SELECT count(*) FROM dossiers_dossier", db)) >= n:
                return
        except Exception:  # noqa: S110 - not migrated: rebuild below
            pass
    print(f"building {db} with {n:,} dossiers (motcua generate)…", flush=True)
    fresh_database(db)
    began = time.monotonic()
    motcua(db, "generate", "--dossiers", str(n), "--seed", str(SEED))
    print(f"generated in {time.monotonic() - began:.0f} s", flush=True)


def setup_django(db: str) -> None:
    os.environ.update(env_for(db))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {date.today().isoformat()}"
