"""Intake: dossiers created per second through `POST /api/v1/dossiers`, next to raw psycopg inserts.

On a fresh PostgreSQL database (`motcua_bench_intake`, demo province) it serves the app with gunicorn
(2 sync workers, loopback, prod settings from the environment, CONN_MAX_AGE=60), authenticates with an
API token (`motcua token issue anhoa.tiepnhan --name bench`) and POSTs dossiers of procedure 2.000815
with 3 components (no file bytes) with ApacheBench (`ab`, 16 concurrent connections, its own process)
for 20 s after a 3 s warm-up. Then it inserts the same rows (code counter UPSERT, dossier, 3 components, 5
steps, 1 event) with psycopg alone, one transaction per dossier, from 2 connections: the physical
limit here. Prints both rates and the ratio. Goal: ≥ 300 dossiers/s and ≥ 25% of raw.

    .venv/bin/python benchmarks/dossiers/bench_intake.py [--seconds 20] [--clients 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG, ROOT, env_for, fresh_database, machine, motcua, psql

DB = "motcua_bench_intake"
BODY = {
    "receiving_unit": "000.10.01.H99", "procedure": "2.000815", "channel": "direct",
    "applicant": {"kind": "citizen", "name": "Nguyễn Văn An", "id_number": "001203004567", "phone": "0912345678",
                  "email": "an.nguyen@example.org", "address": "12 Quang Trung, phường An Hòa"},
    "components": [{"name": "Bản chính giấy tờ cần chứng thực", "digitized": True},
                   {"name": "Bản sao cần chứng thực"}, {"name": "Giấy ủy quyền"}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, token: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/dossiers?limit=1", headers={"Authorization": f"Bearer {token}"})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def load(port: int, token: str, seconds: float, clients: int, warmup: float) -> dict[str, Any]:
    """Drive the server with ApacheBench (`ab`, C, its own process: it takes little CPU from the server).

    gunicorn's sync workers close every connection, so `ab` opens one per request, as a browser behind
    a reverse proxy would. A warm-up run first, then the measured run; only 201 answers count.
    """
    ab = shutil.which("ab")
    if ab is None:
        raise SystemExit("ApacheBench (`ab`, Debian apache2-utils) is needed: scripts/install.sh installs it")
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(json.dumps(BODY, ensure_ascii=False).encode())
        body_path = f.name
    url = f"http://127.0.0.1:{port}/api/v1/dossiers"
    base = [ab, "-q", "-p", body_path, "-T", "application/json", "-H", f"Authorization: Bearer {token}",
            "-c", str(clients), "-s", "30"]
    subprocess.run([*base, "-t", str(warmup), "-n", "1000000", url], check=True, capture_output=True)
    latency_csv = body_path + ".csv"
    time.sleep(1)  # the warm-up's requests still in flight finish
    before = _dossiers()
    done = subprocess.run([*base, "-t", str(seconds), "-n", "1000000", "-e", latency_csv, url], check=True,
                          capture_output=True, text=True)
    out = done.stdout
    complete = int(re.search(r"Complete requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    # ab counts an answer whose length differs from the first one's as failed ("Length"): past the day's
    # 9,999th dossier the codes have five digits. Those are good answers (the database count below agrees).
    failed = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)", out)
    broken = (int(failed.group(1)) + int(failed.group(2)) + int(failed.group(4))) if failed else 0
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    took = float(re.search(r"Time taken for tests:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = broken + (int(non2xx.group(1)) if non2xx else 0)
    created = complete - bad
    # ab -e: percentage served within a time (ms), one line per percent.
    cdf = {int(float(a)): float(b) for a, b in
           (line.split(",") for line in Path(latency_csv).read_text().splitlines()[1:])}
    os.unlink(body_path)
    os.unlink(latency_csv)
    # The requests in flight when ab stops (at most one per client) are stored but not counted.
    stored = _dossiers() - before
    if not 0 <= stored - created <= clients:
        raise SystemExit(f"{created} answers 201 but {stored} dossiers stored: the figures would be wrong")
    return {"rate": created / took, "statuses": {201: created, "other": bad}, "p50": cdf[50], "p99": cdf[99]}


def _dossiers() -> int:
    return int(psql("SELECT count(*) FROM dossiers_dossier", DB))


def raw_rate(seconds: float, connections: int) -> float:
    """The same rows as one API intake, inserted with psycopg alone, one transaction per dossier."""
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(f"{PG}/{DB}") as conn:
        d = conn.execute("SELECT * FROM dossiers_dossier ORDER BY id DESC LIMIT 1").fetchone()
        cols = [c.name for c in conn.execute("SELECT * FROM dossiers_dossier LIMIT 0").description]
        dossier = dict(zip(cols, d, strict=True))
        steps = conn.execute("SELECT index, name, role, unit_id, holder_id, share_seconds, started_at, due_at, "
                             "finished_at FROM dossiers_stepexecution WHERE dossier_id = %s",
                             [dossier["id"]]).fetchall()
        comps = conn.execute('SELECT required_document_id, name, form, quantity, digitized, reused, '
                             'from_citizen_store, "order" FROM dossiers_dossiercomponent WHERE dossier_id = %s',
                             [dossier["id"]]).fetchall()
        event = conn.execute("SELECT seq, action, actor_id, actor_name, at, from_status, to_status, from_step, "
                             "to_step, payload FROM dossiers_dossierevent WHERE dossier_id = %s",
                             [dossier["id"]]).fetchone()
    dcols = [c for c in cols if c not in ("id", "code")]
    dvalues = [Jsonb(dossier[c]) if c == "state" else dossier[c] for c in dcols]
    insert_dossier = (f"INSERT INTO dossiers_dossier (code, {', '.join(dcols)}) "
                      f"VALUES (%s, {', '.join(['%s'] * len(dcols))}) RETURNING id")
    step_sql = ("INSERT INTO dossiers_stepexecution (dossier_id, index, name, role, unit_id, holder_id, share_seconds, "
                "started_at, due_at, finished_at) VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"]
                                                                       * len(steps)))
    comp_sql = ('INSERT INTO dossiers_dossiercomponent (dossier_id, required_document_id, name, form, quantity, '
                'digitized, reused, from_citizen_store, "order") VALUES '
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(comps)))
    event_sql = ("INSERT INTO dossiers_dossierevent (dossier_id, seq, action, actor_id, actor_name, at, from_status, "
                 "to_status, from_step, to_step, payload, recorded_at) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())")
    stop = time.monotonic() + seconds
    counts = [0] * connections

    def worker(i: int) -> None:
        with psycopg.connect(f"{PG}/{DB}") as conn:
            n = 0
            while time.monotonic() < stop:
                with conn.transaction():
                    number = conn.execute(
                        "INSERT INTO dossiers_dossiercodesequence (unit_id, day, last) VALUES (%s, %s, 1) "
                        "ON CONFLICT (unit_id, day) DO UPDATE SET last = dossiers_dossiercodesequence.last + 1 "
                        "RETURNING last", [dossier["receiving_unit_id"], "2001-01-01"]).fetchone()[0]
                    pk = conn.execute(insert_dossier, [f"RAW-{number:08d}", *dvalues]).fetchone()[0]
                    conn.execute(step_sql, [v for s in steps for v in (pk, *s)])
                    conn.execute(comp_sql, [v for c in comps for v in (pk, *c)])
                    conn.execute(event_sql, [pk, *event[:9], Jsonb(event[9])])
                n += 1
            counts[i] = n

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--raw-connections", type=int, default=2)
    args = parser.parse_args()
    fresh_database(DB)
    token = motcua(DB, "token", "issue", "anhoa.tiepnhan", "--name", "bench", capture=True).strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "motcua.config.wsgi", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env_for(DB), cwd=ROOT)
    try:
        wait_for(port, token)
        api = load(port, token, args.seconds, args.clients, args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not api["statuses"].get(201):
        print(f"no dossier created through the API: statuses {api['statuses']}")
        return 1
    raw = raw_rate(args.seconds, args.raw_connections)
    ratio = api["rate"] / raw if raw else 0.0
    print(f"machine: {machine()}")
    print(f"API  POST /api/v1/dossiers (gunicorn 2 sync workers, {args.clients} clients): {api['rate']:.0f} "
          f"dossiers/s, latency p50 {api['p50']:.1f} ms, p99 {api['p99']:.1f} ms, statuses {api['statuses']}")
    print(f"raw  psycopg, one transaction per dossier ({args.raw_connections} connections): {raw:.0f} dossiers/s")
    print(f"ratio API/raw: {ratio:.0%}")
    ok = api["rate"] >= 300 and ratio >= 0.25
    print("goal ≥ 300 dossiers/s and ≥ 25% of raw:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
