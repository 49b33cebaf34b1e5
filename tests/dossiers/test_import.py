"""`motcua dossiers import`: all-or-nothing import of historical dossiers, replayed through the rules."""

from __future__ import annotations

import io
import itertools
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.catalog import selectors as catalog
from motcua.core.demo import load_demo_province
from motcua.core.models import Unit, User
from motcua.dossiers import domain as rules
from motcua.dossiers.models import Channel, Dossier, DossierCodeSequence, DossierEvent, StepExecution
from motcua.dossiers.services import ActionParams, ApplicantData, create_dossier, perform

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "dossiers.jsonl"


@pytest.fixture
def demo():
    load_demo_province()


def run_import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("dossiers", "import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def example_lines() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(tmp_path: Path, rows: list[dict | str]) -> Path:
    path = tmp_path / "dossiers.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_example_file_imports_with_states_events_and_codes(demo):
    out, err = run_import(EXAMPLE)
    assert "Đã nhập 6 hồ sơ" in out
    assert "Đã kiểm tra 6/6 dòng (100%)" in err and "Đã ghi 6/6 hồ sơ (100%)" in err
    dossiers = list(Dossier.objects.order_by("id"))
    assert [d.status for d in dossiers] == [10, 10, 10, 7, 3, 4]
    assert dossiers[0].code == "000.10.01.H99-250310-0001"
    # Generated codes: receiving unit, local day of the (online) submission, number.
    assert dossiers[2].code == "000.10.02.H99-250505-0001"
    assert dossiers[4].code == "000.10.01.H99-250701-0001"
    assert DossierCodeSequence.objects.get(unit__code="000.10.02.H99", day="2025-05-05").last == 1
    first = dossiers[0]
    assert first.supplement_requests == 1 and first.vneid_verified and first.synced_to_national_portal
    assert first.components.count() == 3
    assert StepExecution.objects.filter(dossier=first).count() == 5
    events = list(DossierEvent.objects.filter(dossier=first).order_by("seq"))
    assert [e.action for e in events] == ["receive", "hand_over", "request_supplement", "supplement", "hand_over",
                                          "approve", "hand_over", "hand_over", "record_result", "return_result"]
    assert all(e.actor_id is None and e.actor_name == "import" and e.payload["imported"] is True for e in events)
    assert events[2].payload["note"] == "Bổ sung giấy khám sức khỏe"
    for d in dossiers:
        evs = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
        assert [e.seq for e in evs] == list(range(1, len(evs) + 1))
        for before, after in itertools.pairwise(evs):
            assert after.from_status == before.to_status
        assert rules.state_to_json(rules.state_from_json(d.state)) == d.state
        assert d.version == len(evs) - 1
    # Legacy appointment kept when it differs from the computed one.
    withdrawn = dossiers[3]
    assert withdrawn.due_at == withdrawn.original_due_at == datetime(2025, 7, 8, 17, tzinfo=VN)
    assert datetime.fromisoformat(withdrawn.state["due_at"]) == withdrawn.due_at
    # The online dossier refused at intake has no appointment; the one still processing sits at step 2.
    assert dossiers[4].received_at is None and dossiers[4].finished_at is not None
    assert dossiers[5].current_step == 1 and dossiers[5].fee_total == 10000 and dossiers[5].paid_online


def test_imported_dossier_matches_the_same_dossier_handled_live(demo):
    line = example_lines()[1]  # 2.000815 at 000.10.01.H99: every step, approval, electronic result
    del line["code"]
    run_import(write_tmp(line))
    imported = Dossier.objects.get()
    users = {u.username: u for u in User.objects.all()}
    unit = Unit.objects.get(code="000.10.01.H99")
    live = create_dossier(actor=users["anhoa.tiepnhan"], procedure=catalog.procedure_by_code("2.000815"),
                          receiving_unit=unit, channel=Channel.DIRECT, applicant=ApplicantData(name="Trần Thị Bình"),
                          now=datetime.fromisoformat(line["received_at"]))
    who = {"hand_over": ["anhoa.tiepnhan", "anhoa.chuyenvien", "anhoa.lanhdao", "anhoa.vanthu"],
           "approve": ["anhoa.lanhdao"], "record_result": ["anhoa.tiepnhan"], "return_result": ["anhoa.tiepnhan"]}
    for event in line["events"]:
        actor = users[who[event["action"]].pop(0)]
        params = ActionParams(electronic=True if event["action"] == "record_result" else None,
                              channel="electronic" if event["action"] == "return_result" else None)
        perform(actor=actor, code=live.code, action=event["action"], params=params,
                now=datetime.fromisoformat(event["at"]))
    live.refresh_from_db()
    assert imported.state == live.state
    fields = ("status", "current_step", "current_unit_id", "received_at", "due_at", "finished_at", "returned_at",
              "result_electronic", "version")
    assert [getattr(imported, f) for f in fields] == [getattr(live, f) for f in fields]

    def steps(d):
        return list(StepExecution.objects.filter(dossier=d).order_by("index").values_list(
            "index", "name", "role", "unit_id", "share_seconds", "started_at", "due_at", "finished_at"))

    def events(d):
        return [(e.action, e.at, e.from_status, e.to_status, e.from_step, e.to_step,
                 {k: v for k, v in e.payload.items() if k not in ("imported", "actor_role", "note")})
                for e in DossierEvent.objects.filter(dossier=d).order_by("seq")]

    assert steps(imported) == steps(live)
    assert events(imported) == events(live)


def write_tmp(row: dict) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "one.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _bad(kind: str) -> tuple[dict | str, str]:
    row = example_lines()[1]
    row.pop("code")
    if kind == "unknown procedure":
        row["procedure"] = "9.999999"
        return row, "procedure"
    if kind == "malformed date":
        row["received_at"] = "12/03/2025 08:05"
        return row, "received_at"
    if kind == "naive date":
        row["received_at"] = "2025-03-12T08:05:00"
        return row, "received_at"
    if kind == "illegal event order":
        row["events"] = [{"at": "2025-03-12T09:00:00+07:00", "action": "return_result"}]
        return row, "events[0].action"
    if kind == "missing applicant name":
        row["applicant"].pop("name")
        return row, "applicant.name"
    if kind == "NUL byte":
        row["applicant"]["name"] = "Trần\u0000Bình"
        return row, "applicant.name"
    if kind == "not json":
        return '{"procedure": "2.000815", ', "(dòng)"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["unknown procedure", "malformed date", "naive date", "illegal event order",
                                  "missing applicant name", "NUL byte", "not json"])
def test_one_bad_line_writes_nothing_and_the_report_names_line_and_field(demo, tmp_path, kind):
    bad, field = _bad(kind)
    good = example_lines()
    path = write(tmp_path, [good[0], good[2], bad, good[3]])
    with pytest.raises(CommandError) as err:
        run_import(path)
    assert err.value.returncode == 2
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists()
    assert not DossierCodeSequence.objects.exists()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dossiers", "import", str(path), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "chưa nhập hồ sơ nào" in report
    assert f"Dòng 3, trường “{field}”" in report


def test_illegal_event_names_the_event_index(demo, tmp_path):
    row = example_lines()[1]
    row["events"].insert(3, {"at": "2025-03-12T09:12:00+07:00", "action": "approve"})  # approved twice
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dossiers", "import", str(write(tmp_path, [row])), stdout=out, stderr=io.StringIO())
    assert "Dòng 1, trường “events[3].action”: sự kiện thứ 4 (approve)" in out.getvalue()


def test_reimporting_the_same_codes_is_refused(demo, tmp_path):
    run_import(EXAMPLE)
    count = Dossier.objects.count()
    out = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command("dossiers", "import", str(EXAMPLE), stdout=out, stderr=io.StringIO())
    assert err.value.returncode == 2
    assert "Dòng 1, trường “code”" in out.getvalue() and "đã có trong hệ thống" in out.getvalue()
    assert Dossier.objects.count() == count


def test_duplicate_code_inside_the_file_and_given_codes_move_the_counter(demo, tmp_path):
    first = example_lines()[0]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("dossiers", "import", str(write(tmp_path, [first, first])), stdout=out, stderr=io.StringIO())
    assert "Dòng 2, trường “code”: mã hồ sơ “000.10.01.H99-250310-0001” trùng với dòng 1" in out.getvalue()
    # A given code numbered 7 and a line without code on the same unit and day: the latter gets 0008.
    given = dict(first, code="000.10.01.H99-250310-0007")
    generated = {k: v for k, v in first.items() if k != "code"}
    run_import(write(tmp_path, [given, generated]))
    assert sorted(Dossier.objects.values_list("code", flat=True)) == [
        "000.10.01.H99-250310-0007", "000.10.01.H99-250310-0008"]


def test_progress_goes_to_stderr_every_n_lines(demo, tmp_path):
    rows = example_lines()
    for row in rows:
        row.pop("code", None)
    path = write(tmp_path, rows * 2)
    err = io.StringIO()
    call_command("dossiers", "import", str(path), "--progress-every", "4", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[:2] == ["Đã kiểm tra 4/12 dòng (33%)", "Đã kiểm tra 8/12 dòng (66%)"]
    assert "Đã ghi 12/12 hồ sơ (100%)" in lines
    assert Dossier.objects.count() == 12
