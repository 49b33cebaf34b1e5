"""Reception officer's pages at 1,000,000 dossiers: server time of whole requests through Django's test client.

Uses the million-dossier database of the dossier-page benchmark (built once with `motcua generate`), adds 800
dossiers waiting at the An Hòa desk (a quarter awaiting supplement) the first time, then times the procedure
picker, diacritic-free search, the intake form, fee/appointment preview, returning-applicant lookup, the
review lists and detail, the after-save page and a whole intake (save). Goal: p95 ≤ 150 ms per page.

    .venv/bin/python benchmarks/backoffice/bench_reception_pages.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dossiers"))
from common import ensure_million, machine, percentile, setup_django

DB = os.environ.get("BENCH_DOSSIER_PAGE_DB", "motcua_bench_dossier_page")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
ensure_million(DB)
setup_django(DB)

from django.test import Client  # noqa: E402

from motcua.catalog import selectors as catalog  # noqa: E402
from motcua.core.models import User  # noqa: E402
from motcua.dossiers import counter  # noqa: E402
from motcua.dossiers.models import Dossier  # noqa: E402

RUNS = int(os.environ.get("RUNS", "40"))
user = User.objects.get(username="anhoa.tiepnhan")
client = Client()
client.force_login(user)
desk = counter.desk_for(user, None)
if not Dossier.objects.filter(receiving_unit=desk, status__in=(1, 5), received_at__isnull=True).exists():
    from datetime import timedelta

    from django.utils import timezone

    from motcua.dossiers.services import ActionParams, ApplicantData, ComponentData, create_dossier, perform
    p1 = catalog.procedure_by_code("1.001193")
    for i in range(800):
        d = create_dossier(actor=None, procedure=p1, receiving_unit=desk, channel=2,
                           now=timezone.now() - timedelta(minutes=2000 - i),
                           applicant=ApplicantData(name=f"Người nộp {i}", id_number=f"0012030{i:05d}"),
                           components=[ComponentData(name="Tờ khai")])
        if i % 4 == 0:
            perform(actor=user, code=d.code, action="request_supplement", params=ActionParams(reason="Thiếu"))
print("desk", desk.code, "dossiers", Dossier.objects.count(),
      "status1 at desk", Dossier.objects.filter(receiving_unit=desk, status=1).count(),
      "status5 at desk", Dossier.objects.filter(receiving_unit=desk, status=5).count())
some = Dossier.objects.filter(receiving_unit=desk).exclude(applicant_id_number="").order_by("-pk").first()
pending = Dossier.objects.filter(receiving_unit=desk, status=1).order_by("pk").first()
proc = catalog.procedure_by_code("2.000815")
docs = counter.required_documents(proc.pk)
fee = proc.fees.first()

cases = [
    ("GET picker", lambda: client.get("/backoffice/reception/")),
    ("GET search htmx", lambda: client.get("/backoffice/reception/procedures/", {"q": "khai sinh"},
                                           HTTP_HX_REQUEST="true")),
    ("GET form", lambda: client.get("/backoffice/reception/", {"procedure": "2.000815"})),
    ("POST preview", lambda: client.post("/backoffice/reception/preview/", {
        "desk": desk.code, "procedure": "2.000815", f"fee_{fee.pk}_pages": "5", f"fee_{fee.pk}_copies": "2",
        f"doc_{docs[0].pk}_received": "on"})),
    ("POST applicant lookup", lambda: client.post("/backoffice/reception/applicant/", {
        "desk": desk.code, "id_number": some.applicant_id_number})),
    ("GET online list", lambda: client.get("/backoffice/online/")),
    ("GET online list p3", lambda: client.get("/backoffice/online/?page=3")),
    ("GET supplement tab", lambda: client.get("/backoffice/online/?queue=supplement")),
    ("GET done", lambda: client.get(f"/backoffice/reception/done/{some.code}/")),
]
if pending is not None:
    cases.append(("GET review detail", lambda: client.get(f"/backoffice/online/{pending.code}/")))

counter_ = [0]
desk_counters = counter.desk_counters(desk)  # a desk with counters records the officer's counter on receipt


def intake():
    counter_[0] += 1
    data = {"desk": desk.code, "procedure": "2.000815", "token": f"bench-{time.time_ns()}", "outcome": "receive",
            "kind": "1", "id_number": "001203004567", "name": "Nguyễn Văn An", "phone": "0912345678",
            "email": "", "address": "", "summary": "", f"fee_{fee.pk}_pages": "3", f"fee_{fee.pk}_copies": "1"}
    if desk_counters:
        data["counter"] = str(desk_counters[0].number)
    for d in docs:
        data[f"doc_{d.pk}_received"] = "on"
        data[f"doc_{d.pk}_form"] = "original"
        data[f"doc_{d.pk}_quantity"] = "1"
    return client.post("/backoffice/reception/", data)


cases.append(("POST intake (save)", intake))

ok = True
for name, call in cases:
    for _ in range(3):
        r = call()
        assert r.status_code in (200, 302), (name, r.status_code)
    times, cpu = [], []
    for _ in range(RUNS):
        began, c0 = time.perf_counter(), time.process_time()
        r = call()
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    p50, p95, mx = percentile(times, 50), percentile(times, 95), max(times)
    ok &= p95 <= 150
    print(f"{name:24s} wall p50 {p50:6.1f}  p95 {p95:6.1f}  max {mx:6.1f} ms | python cpu "
          f"p50 {percentile(cpu, 50):5.1f} p95 {percentile(cpu, 95):5.1f} ms ({r.status_code})")
print(f"machine: {machine()}")
print("all p95 ≤ 150 ms:", "yes" if ok else "NO")
sys.exit(0 if ok else 1)
