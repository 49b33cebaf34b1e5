"""`motcua catalog import/export`: three formats, all or nothing, Vietnamese report, round trip."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from motcua.catalog import selectors
from motcua.catalog.domain.rows import COLUMNS
from motcua.catalog.files import write_rows
from motcua.catalog.models import Field, Procedure, ProcessStep
from motcua.core.models import Unit

pytestmark = pytest.mark.django_db


def row(code: str = "1.001193", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code, "name": "Đăng ký khai sinh", "field_code": "ho-tich", "field_name": "Hộ tịch",
        "levels": "commune", "steps_text": "Bước 1: nộp hồ sơ.", "submission_channels": "direct;online",
        "target_subjects": "Công dân", "implementing_agency": "UBND cấp xã", "result": "Giấy khai sinh",
        "result_kind": "paper", "legal_basis": "Luật Hộ tịch 2014", "legal_time_limit": "3wd",
        "internal_time_limit": "2wd", "time_limit_note": "", "online_level": "full", "fee_note": "",
        "is_demo_data": "no", "demo_note": "",
        "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0, "mandatory": True, "template": "",
                       "note": ""}],
        "fees": [{"name": "Lệ phí", "kind": "free", "amount": 0, "basis": "dossier", "tiers": [],
                  "cap_per_copy": None, "note": ""}],
        "steps": [
            {"name": "Tiếp nhận", "role": "reception_officer", "relative_unit": "receiving_desk", "hours": 4,
             "unit": ""},
            {"name": "Xử lý", "role": "specialist", "relative_unit": "competent_unit", "hours": 12, "unit": ""},
        ],
        "units": [{"role": "competent", "unit": "", "unit_kind": "commune"}],
    }
    data.update(overrides)
    return data


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    write_rows(path, iter(rows))
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("ext", ["csv", "xlsx", "json"])
def test_imports_each_format(tmp_path: Path, ext: str, province_tree: dict[str, Unit]) -> None:
    a = province_tree["a"].code
    variant = [{"name": "Xử lý một bước", "role": "specialist", "relative_unit": "competent_unit", "hours": 16,
                "unit": a}]
    rows = [row(), row("2.000815", name="Chứng thực bản sao", field_code="chung-thuc", field_name="Chứng thực",
                       legal_time_limit="sameday", internal_time_limit="", steps=[], fees=[
                           {"name": "Phí chứng thực", "kind": "tiered_page", "basis": "copy",
                            "tiers": [[1, 2000], [3, 1000]], "cap_per_copy": 200000}])]
    rows[0]["steps"] = rows[0]["steps"] + variant
    out, _err = run("import", str(write(tmp_path / f"catalogue.{ext}", rows)))
    assert "2" in out
    birth = Procedure.objects.get(code="1.001193")
    assert birth.internal_limit is not None and str(birth.internal_limit) == "2wd"
    assert [s.hours for s in selectors.step_template(birth)] == [4, 12]
    assert [s.hours for s in selectors.step_template(birth, province_tree["a"])] == [16]
    assert [s.hours for s in selectors.step_template(birth, province_tree["b"])] == [4, 12]
    fee = selectors.fee_spec(Procedure.objects.get(code="2.000815").fees.get())
    assert fee.cap_per_copy == 200_000 and len(fee.tiers) == 2


def test_existing_procedure_is_updated(tmp_path: Path, province_tree: dict[str, Unit]) -> None:
    run("import", str(write(tmp_path / "a.json", [row()])))
    out, _ = run("import", str(write(tmp_path / "b.json", [row(name="Đăng ký khai sinh (mới)", steps=[])])))
    assert Procedure.objects.get().name == "Đăng ký khai sinh (mới)"
    assert ProcessStep.objects.count() == 0
    assert "1" in out


@pytest.mark.parametrize("ext", ["csv", "xlsx", "json"])
def test_one_bad_row_imports_nothing_and_reports_row_and_column(
        tmp_path: Path, ext: str, province_tree: dict[str, Unit]) -> None:
    rows = [row("1.000001"), row("1.000002"), row("1.000003", legal_time_limit="sớm thôi"), row("1.000004")]
    path = write(tmp_path / f"bad.{ext}", rows)
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(path), stdout=out, stderr=StringIO())
    assert info.value.returncode == 2
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0
    report = out.getvalue()
    row_number = 4 if ext != "json" else 3  # header is row 1 in CSV/XLSX; JSON items count from 1
    assert f"Dòng {row_number}, cột “legal_time_limit”" in report
    assert "không thêm được thủ tục nào" in report.lower() or "chưa nhập" in report.lower()
    assert "25wd" in report  # how to fix it


def test_report_lists_every_problem(tmp_path: Path, province_tree: dict[str, Unit]) -> None:
    steps = [{"name": "X", "role": "specialist", "relative_unit": "competent_unit", "hours": 5}]
    rows = [row("1.000001", levels="district"), row("1.000002", steps=steps, internal_time_limit=""),
            row("1.000001"), row("abc", units=[{"role": "competent", "unit": "999.99.99.H99"}])]
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(write(tmp_path / "bad.csv", rows)), stdout=out, stderr=StringIO())
    report = out.getvalue()
    assert "Dòng 2, cột “levels”" in report
    assert "Dòng 3, cột “steps”" in report and "24" in report
    assert "Dòng 4, cột “code”" in report  # duplicate of row 2
    assert "Dòng 5, cột “code”" in report and "Dòng 5, cột “units”" in report


def test_unknown_header_and_unsupported_type(tmp_path: Path, db: None) -> None:
    path = tmp_path / "x.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["code", "ten"], ["1.001193", "x"]])
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(path), stdout=out, stderr=StringIO())
    assert info.value.returncode == 2 and "Dòng 1" in out.getvalue() and "ten" in out.getvalue()
    with pytest.raises(CommandError) as info:
        run("import", str(tmp_path / "x.txt"))
    assert info.value.returncode == 2


def test_progress_on_stderr(tmp_path: Path, province_tree: dict[str, Unit]) -> None:
    rows = [row(f"1.{n:06d}") for n in range(1, 26)]
    _out, err = run("import", str(write(tmp_path / "many.json", rows)), "--progress-every", "10")
    assert "10/25" in err and "25/25" in err and "(100%)" in err
    assert Procedure.objects.count() == 25


def _contents(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8-sig")
    workbook = load_workbook(path, read_only=True)
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "json"])
def test_export_import_round_trip(tmp_path: Path, ext: str, demo_catalogue: dict[str, Unit]) -> None:
    first = tmp_path / f"first.{ext}"
    run("export", str(first))
    before = list(selectors.export_rows())
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    run("import", str(first))
    second = tmp_path / f"second.{ext}"
    run("export", str(second))
    assert list(selectors.export_rows()) == before
    assert _contents(first) == _contents(second)
    assert len(before) >= 40


def test_xlsx_with_native_cell_types(tmp_path: Path, db: None) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    values = row(internal_time_limit=None, steps=[], units=[])
    sheet.append([json.dumps(values[c], ensure_ascii=False) if isinstance(values[c], list) else values[c]
                  for c in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # blank rows are skipped
    path = tmp_path / "native.xlsx"
    workbook.save(path)
    run("import", str(path))
    assert Procedure.objects.get().online_level == "full"
