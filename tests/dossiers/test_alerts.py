"""The lateness scan on a database (SQLite and PostgreSQL): which dossiers it alerts, once per (dossier, kind,
appointment) however often it runs, again when the appointment moves; who is told (holder, the unit's
leaders, never another commune's officers); the officer's alert list; the apology draft on the dossier page;
the `motcua alerts run` command and the task."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.alerts import apology_draft, open_alerts_for, run_scan
from motcua.dossiers.models import Channel, Dossier, LatenessAlert, LatenessAlertRecipient
from motcua.dossiers.services import ActionParams, ApplicantData, create_dossier, perform

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Procedure 1.004873: 3 working days = 24 h (reception 1 h, specialist 19 h, leader 2 h, clerk 1 h, return 1 h);
# office hours 07:00–11:30, 13:30–17:00, no holidays in April 2026.


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=VN)


@pytest.fixture
def desk(province_tree, make_officer):
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    made = {
        "t": t,
        "proc": catalog.procedure_by_code("1.004873"),
        "reception": make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("spec_a", t["a"], Role.SPECIALIST),
        "leader": make_officer("lead_a", t["a"], Role.LEADER),
        "reception_b": make_officer("recep_b", t["b"], Role.RECEPTION_OFFICER),
        "specialist_b": make_officer("spec_b", t["b"], Role.SPECIALIST),
        "leader_b": make_officer("lead_b", t["b"], Role.LEADER),
        "province_leader": make_officer("lead_tinh", t["province"], Role.LEADER),
        "monitor": make_officer("giamsat", t["province"], Role.MONITOR),
    }
    for key, user in made.items():
        if key != "t" and key != "proc":
            user.email = f"{user.username}@motcua.test"
            user.save(update_fields=["email"])
    return made


def receive(desk, when: datetime, *, unit: str = "a", name: str = "Nguyễn Văn An") -> Dossier:
    reception = desk["reception"] if unit == "a" else desk["reception_b"]
    return create_dossier(actor=reception, procedure=desk["proc"], receiving_unit=desk["t"][unit],
                          channel=Channel.DIRECT, applicant=ApplicantData(name=name), now=when)


def do(desk, who: str, d: Dossier, action: str, when: datetime, **params) -> None:
    perform(actor=desk[who], code=d.code, action=action, params=ActionParams(**params), now=when)


@pytest.fixture
def scene(desk):
    """d_slow: at the specialist (holder), at risk from Wed 8 Apr 14:00 — after its apology deadline (Wed 08:00).
    d_stuck: still at reception (1 h share) since Mon 6 Apr 08:00: at risk from 09:00; due Thu 9 Apr 08:00, last
    moment to apologise Wed 8 Apr 08:00, approaching from Tue 7 Apr 14:00. d_fine: in time. d_b: commune B,
    like d_stuck."""
    d_slow = receive(desk, at(6, 8), name="Trần Văn Chậm")
    do(desk, "reception", d_slow, "hand_over", at(6, 8, 30), holder=desk["specialist"])
    d_stuck = receive(desk, at(6, 8), name="Lê Thị Tồn Đọng")
    d_fine = receive(desk, at(7, 8), name="Phạm Văn Kịp")
    do(desk, "reception", d_fine, "hand_over", at(7, 8, 30), holder=desk["specialist"])
    d_b = receive(desk, at(6, 8), unit="b", name="Khách Xã Bình Minh")
    return {"slow": d_slow, "stuck": d_stuck, "fine": d_fine, "b": d_b}


def alerts_of(d: Dossier) -> list[tuple[str, datetime]]:
    return sorted((a.kind, a.due_at) for a in LatenessAlert.objects.filter(dossier=d))


def recipients(d: Dossier, kind: str) -> set[str]:
    return set(LatenessAlertRecipient.objects.filter(alert__dossier=d, alert__kind=kind)
               .values_list("user__username", flat=True))


def test_scan_alerts_at_risk_and_apology_once_then_again_when_the_appointment_moves(
        desk, scene, django_capture_on_commit_callbacks) -> None:
    d_slow, d_stuck, d_fine, d_b = scene["slow"], scene["stuck"], scene["fine"], scene["b"]
    due = at(9, 8)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_scan(now=at(7, 15))
    assert report.raised == {"at_risk": 2, "apology_due": 2}
    assert alerts_of(d_stuck) == [("apology_due", due), ("at_risk", due)]
    assert alerts_of(d_b) == [("apology_due", due), ("at_risk", due)]
    assert alerts_of(d_slow) == [] and alerts_of(d_fine) == []

    draft = LatenessAlert.objects.get(dossier=d_stuck, kind="apology_due")
    assert draft.apology_deadline == at(8, 8)
    # Needed: 23 h from Tue 15:00 → Fri 10 Apr 14:00.
    assert draft.proposed_due_at == at(10, 14)
    assert draft.needed_seconds == 23 * 3600

    # Recipients: the unit's leaders (no holder at reception); never B's officers, nor the province's leader
    # (commune A has leaders of its own).
    assert recipients(d_stuck, "at_risk") == {"lead_a"}
    assert recipients(d_b, "apology_due") == {"lead_b"}
    sent = {(m.to[0], m.subject) for m in mail.outbox}
    assert sent == {
        ("lead_a@motcua.test", f"Hồ sơ {d_stuck.code} có nguy cơ trễ hạn"),
        ("lead_a@motcua.test", f"Hồ sơ {d_stuck.code}: sắp hết thời hạn xin lỗi và hẹn lại ngày trả kết quả"),
        ("lead_b@motcua.test", f"Hồ sơ {d_b.code} có nguy cơ trễ hạn"),
        ("lead_b@motcua.test", f"Hồ sơ {d_b.code}: sắp hết thời hạn xin lỗi và hẹn lại ngày trả kết quả"),
    }
    apology_mail = next(m for m in mail.outbox if "xin lỗi" in m.subject and d_stuck.code in m.subject)
    assert "08:00 08/04/2026" in apology_mail.body and "14:00 10/04/2026" in apology_mail.body
    assert f"/backoffice/dossiers/{d_stuck.code}/" in apology_mail.body

    # Every 15 minutes: nothing new, no e-mail.
    for minutes in (15, 30, 45):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_scan(now=at(7, 15) + timedelta(minutes=minutes)).total_raised == 0
    assert len(mail.outbox) == 4

    # The appointment moves (a supplement round trip pauses the clock for 1 working hour): alerted again.
    do(desk, "specialist", d_stuck, "request_supplement", at(7, 15, 50), reason="Thiếu giấy tờ")
    do(desk, "reception", d_stuck, "supplement", at(7, 16, 50), as_applicant=True)
    d_stuck.refresh_from_db()
    assert d_stuck.due_at == at(9, 9)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_scan(now=at(7, 16, 55))
    assert report.raised == {"at_risk": 1, "apology_due": 1}
    assert alerts_of(d_stuck) == [("apology_due", due), ("apology_due", at(9, 9)),
                                  ("at_risk", due), ("at_risk", at(9, 9))]

    # Wednesday afternoon: d_slow becomes at risk — its apology deadline has passed, so no apology alert.
    with django_capture_on_commit_callbacks(execute=True):
        report = run_scan(now=at(8, 14, 30))
    assert report.raised == {"at_risk": 1, "apology_due": 0}
    assert alerts_of(d_slow) == [("at_risk", due)]
    assert recipients(d_slow, "at_risk") == {"spec_a", "lead_a"}
    assert "spec_a@motcua.test" in {m.to[0] for m in mail.outbox}


def test_scan_reads_only_candidates_whatever_the_number_of_dossiers_in_time(desk, scene) -> None:
    def queries() -> int:
        LatenessAlert.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            run_scan(now=at(7, 15))
        return len(ctx.captured_queries)

    before = queries()
    for i in range(25):  # in time: received Tuesday and handed over at once
        d = receive(desk, at(7, 9), name=f"Đúng Hạn {i}")
        do(desk, "reception", d, "hand_over", at(7, 9, 10))
    assert queries() == before
    # The candidate queries filter on the indexed columns (never a scan of every dossier in Python).
    with CaptureQueriesContext(connection) as ctx:
        run_scan(now=at(7, 15))
    selects = [q["sql"] for q in ctx.captured_queries
               if 'FROM "dossiers_dossier"' in q["sql"] and '"dossiers_latenessalert"' in q["sql"]]
    assert len(selects) == 2  # one candidate query per kind, leaving out the dossiers already alerted
    assert all('"at_risk_from" <=' in sql for sql in selects)
    assert any('"due_at" BETWEEN' in sql or '"due_at" >=' in sql for sql in selects)


def test_batches_give_the_same_alerts(desk, scene) -> None:
    for i in range(5):
        receive(desk, at(6, 8), name=f"Tồn Đọng {i}")
    report = run_scan(now=at(7, 15), batch_size=2)
    assert report.raised == {"at_risk": 7, "apology_due": 7}
    assert report.checked == {"at_risk": 7, "apology_due": 7}


def test_officer_lists_only_their_units_open_alerts(desk, scene) -> None:
    d_stuck, d_b = scene["stuck"], scene["b"]
    run_scan(now=at(7, 15))
    def codes(user, now: datetime | None = None) -> list[tuple[str, str]]:
        return [(r.code, r.kind) for r in open_alerts_for(user, now=now or at(7, 15)).rows]

    assert sorted(codes(desk["leader"])) == [(d_stuck.code, "apology_due"), (d_stuck.code, "at_risk")]
    assert sorted(codes(desk["leader_b"])) == [(d_b.code, "apology_due"), (d_b.code, "at_risk")]
    # Not told, not holding: nothing (the province leader and the monitor see the dossiers, not the alerts).
    for who in ("specialist", "specialist_b", "reception", "province_leader", "monitor"):
        assert codes(desk[who]) == []
    # A's specialist takes the dossier: it becomes theirs to see.
    do(desk, "reception", d_stuck, "hand_over", at(7, 15, 30), holder=desk["specialist"])
    assert sorted(codes(desk["specialist"], at(7, 15, 30))) == [(d_stuck.code, "apology_due"),
                                                                 (d_stuck.code, "at_risk")]
    assert codes(desk["specialist_b"], at(7, 15, 30)) == []
    # Apologised: the apology alert closes; the at-risk one stays while the dossier is at risk.
    do(desk, "leader", d_stuck, "apologise", at(7, 15, 40), new_due_at=at(10, 14), reason="Cần xác minh thêm")
    assert codes(desk["leader"], at(7, 15, 40)) == []  # the appointment moved: both alerts are for the old one


def test_alert_list_pagination(desk) -> None:
    for i in range(5):
        receive(desk, at(6, 8), name=f"Tồn Đọng {i}")
    run_scan(now=at(7, 15))
    first = open_alerts_for(desk["leader"], now=at(7, 15), limit=4)
    assert len(first.rows) == 4 and first.next_before == first.rows[-1].pk
    rest = open_alerts_for(desk["leader"], now=at(7, 15), before=first.next_before, limit=4)
    assert len(rest.rows) == 4 and rest.next_before is not None
    last = open_alerts_for(desk["leader"], now=at(7, 15), before=rest.next_before, limit=4)
    assert len(last.rows) == 2 and last.next_before is None
    ids = [r.pk for page in (first, rest, last) for r in page.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 10


def test_leaders_of_the_nearest_unit_that_has_some(desk, make_officer) -> None:
    t = desk["t"]
    dept_leader = make_officer("lead_so", t["dept"], Role.LEADER)
    from motcua.dossiers.alerts import _leaders_by_unit

    leaders = _leaders_by_unit([t["division"], t["dept"], t["a"], t["centre"]])
    assert leaders[t["division"].pk] == [dept_leader.pk]  # the division has none: its department's
    assert leaders[t["dept"].pk] == [dept_leader.pk]
    assert leaders[t["a"].pk] == [desk["leader"].pk]
    assert leaders[t["centre"].pk] == [desk["province_leader"].pk]  # nearest is the province


def test_command_runs_the_scan_and_checks_its_input(desk, scene) -> None:
    out, err = StringIO(), StringIO()
    call_command("alerts", "run", "--now", "2026-04-07T15:00+07:00", stdout=out, stderr=err)
    assert "Cảnh báo mới: 2 hồ sơ có nguy cơ trễ hạn, 2 hồ sơ sắp hết hạn xin lỗi" in out.getvalue()
    assert "đã xét" in err.getvalue()
    out = StringIO()
    call_command("alerts", "run", "--now", "2026-04-07T15:15+07:00", stdout=out, stderr=StringIO())
    assert "Cảnh báo mới: 0 hồ sơ có nguy cơ trễ hạn, 0 hồ sơ" in out.getvalue()
    for args, message in ((["--now", "hôm qua"], "--now không hợp lệ"), (["--now", "2026-04-07T15:00"], "múi giờ"),
                          (["--lead-hours", "-1"], "--lead-hours"), (["--batch-size", "0"], "--batch-size")):
        with pytest.raises(CommandError, match=message):
            call_command("alerts", "run", *args, stdout=StringIO(), stderr=StringIO())
    assert LatenessAlert.objects.count() == 4


def short_limit(desk, hours: int = 12) -> None:
    """Give the procedure an internal limit of `hours` working hours: its steps' 24 h no longer fit, so a dossier
    received now is at risk at once, and 12 h leaves an apology margin of exactly the 4 h lead time."""
    proc = desk["proc"]
    proc.internal_limit_kind, proc.internal_limit_amount = "wh", hours
    proc.save(update_fields=["internal_limit_kind", "internal_limit_amount"])


def test_task_runs_the_scan_at_the_current_time(desk, django_capture_on_commit_callbacks) -> None:
    from motcua.dossiers.tasks import scan_lateness_alerts

    short_limit(desk)
    d = receive(desk, timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        result = scan_lateness_alerts.enqueue()  # the immediate backend of the test settings runs it
    assert result.return_value == {"at_risk": 1, "apology_due": 1}
    assert [kind for kind, _due in alerts_of(d)] == ["apology_due", "at_risk"]
    assert {m.subject for m in mail.outbox} == {
        f"Hồ sơ {d.code} có nguy cơ trễ hạn", f"Hồ sơ {d.code}: sắp hết thời hạn xin lỗi và hẹn lại ngày trả kết quả"}
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts", "run", "--enqueue", stdout=out)
    assert "hàng đợi" in out.getvalue()
    assert LatenessAlert.objects.count() == 2  # nothing new


def test_dossier_page_shows_the_draft_and_prefills_the_leaders_apology_form(desk) -> None:
    short_limit(desk)
    d = receive(desk, timezone.now())
    client = Client()
    client.force_login(desk["leader"])
    page = client.get(f"/backoffice/dossiers/{d.code}/").content.decode()
    assert 'id="apology-draft"' not in page  # no draft before the scan
    run_scan()
    draft = apology_draft(d)
    assert draft is not None and draft.proposed_due_at is not None and d.due_at is not None
    assert draft.proposed_due_at > d.due_at
    page = client.get(f"/backoffice/dossiers/{d.code}/").content.decode()
    local = timezone.localtime(draft.proposed_due_at)
    assert 'id="apology-draft"' in page and local.strftime("%H:%M %d/%m/%Y") in page
    assert f'name="apologise-new_due_at" value="{local:%Y-%m-%dT%H:%M}"' in page
    assert 'placeholder="[Lý do chậm trễ' in page
    # The specialist sees the draft and its preview, but has no apology form (a leader's action).
    client.force_login(desk["specialist"])
    page = client.get(f"/backoffice/dossiers/{d.code}/").content.decode()
    assert 'id="apology-draft"' in page and 'name="apologise-new_due_at"' not in page
    # The Mẫu 04 preview, as a PDF, for who may see the dossier; 404 in commune B.
    response = client.get(f"/backoffice/dossiers/{d.code}/apology-draft.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(desk["specialist_b"])
    assert client.get(f"/backoffice/dossiers/{d.code}/apology-draft.pdf").status_code == 404
    assert client.get("/backoffice/alerts/").content.decode().count('class="alert-row') == 0
    # The apology stays the leader's explicit action; once given, the draft is gone.
    client.force_login(desk["leader"])
    listing = client.get("/backoffice/alerts/").content.decode()
    assert listing.count('class="alert-row') == 2 and d.code in listing
    response = client.post(f"/backoffice/dossiers/{d.code}/actions/apologise/", {
        "apologise-new_due_at": f"{local:%Y-%m-%dT%H:%M}", "apologise-note": "Cần xác minh thêm với xã bạn"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.apologised and d.promised_due_at == local.replace(second=0, microsecond=0)
    assert apology_draft(d) is None
    response = client.get(f"/backoffice/dossiers/{d.code}/apology-draft.pdf")
    assert response.status_code == 404 and "Chưa có dự thảo" in response.content.decode()


def test_alert_list_refuses_a_bad_page_link(desk, client) -> None:
    client.force_login(desk["leader"])
    response = client.get("/backoffice/alerts/?before=abc")
    assert response.status_code == 400
    assert "Liên kết trang này không hợp lệ" in response.content.decode()
    assert client.get("/backoffice/alerts/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_a_worker_sends_the_alert_e_mails(desk, scene, settings) -> None:
    """Production path: the e-mail task row is written with the alert (an outbox); a worker sends it once."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.all().delete()  # the scene's applicant notifications are not what this test is about
    run_scan(now=at(7, 15))
    rows = DBTaskResult.objects.filter(task_path__endswith="notify_lateness_alert")
    assert rows.count() == 4 and not mail.outbox
    call_command("db_worker", "--batch", "--no-reload", "--interval", "0", stdout=StringIO(), stderr=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == ["lead_a@motcua.test"] * 2 + ["lead_b@motcua.test"] * 2
    run_scan(now=at(7, 15, 15))  # nothing new, nothing queued
    assert DBTaskResult.objects.filter(task_path__endswith="notify_lateness_alert").count() == 4
