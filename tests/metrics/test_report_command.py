"""`motcua report …`: the JSON the issue specifies, the table, XLSX and PDF exports, drill-downs, errors."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.metrics import domain as m
from motcua.metrics import selectors

from .test_rollups_db import APRIL, _april

pytestmark = pytest.mark.django_db
PERIOD = ["--from", "2026-04-01", "--to", "2026-04-30"]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def april(desk):
    return _april(desk)


def test_service_index_json_has_the_specified_shape(desk, april):
    a = desk.units["a"]
    data = json.loads(run("service-index", *PERIOD, "--unit", a.code, "--format", "json")[0])
    assert {"unit", "from", "to", "indicators", "groups", "total"} <= set(data)
    assert (data["unit"], data["from"], data["to"]) == (a.code, "2026-04-01", "2026-04-30")
    by_code = {i["code"]: i for i in data["indicators"]}
    assert list(by_code) == [s.code for s in m.DEFAULT.indicators]
    for i in data["indicators"]:
        assert {"code", "name", "numerator", "denominator", "ratio", "score", "max_score"} <= set(i)
    progress = by_code["2.1"]
    assert (progress["numerator"], progress["denominator"], progress["ratio"], progress["score"],
            progress["max_score"]) == (4, 7, 0.5714, 11.43, 20.0)
    assert progress["name"] == "Hồ sơ giải quyết trước hạn, đúng hạn và đang giải quyết trong hạn"
    assert progress["drilldown"]["numerator"].startswith("motcua report dossiers --indicator 2.1 --part numerator")
    feedback = by_code["5.2"]  # no data: null, never a zero or full marks
    assert (feedback["numerator"], feedback["ratio"], feedback["score"], feedback["no_data"]) == (None, None, None,
                                                                                                  True)
    assert feedback["note"].startswith("không có dữ liệu")
    groups = {g["code"]: g for g in data["groups"]}
    assert groups["satisfaction"]["max_score"] == 0 and groups["satisfaction"]["full_max_score"] == 18
    assert groups["progress"] == {**groups["progress"], "score": 11.43, "max_score": 20.0}
    assert data["total"] == pytest.approx(sum(g["score"] for g in data["groups"]), abs=0.011)


def test_service_index_table_and_every_unit(desk, april):
    table = run("service-index", *PERIOD, "--unit", desk.units["a"].code)[0]
    assert "Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)" in table
    assert "57,14%" in table and "11,43 / 20" in table  # 2.1, in Vietnamese number format
    assert table.count("không có dữ liệu") == 3  # 5.2, 5.3, 5.4
    every = json.loads(run("service-index", *PERIOD, "--all-units", "--format", "json")[0])
    assert [u["unit"] for u in every] == [u.code for u in selectors.report_units()]
    province = every[0]
    assert next(i for i in province["indicators"] if i["code"] == "2.1")["denominator"] == 8


def test_ii06a_json_xlsx_and_pdf(desk, april, tmp_path):
    a = desk.units["a"]
    data = json.loads(run("ii06a", *PERIOD, "--unit", a.code)[0])
    assert data["total"] == dict(zip(m.II06A_COLUMNS, (7, 1, 5, 1, 5, 0, 3, 2, 2, 1, 1), strict=True))
    assert [r["field_name"] for r in data["rows"]] == ["Hộ tịch"]
    assert data["columns"][3] == {"code": "carried_over", "name": "Từ kỳ trước chuyển qua"}

    xlsx = tmp_path / "ii06a.xlsx"
    assert "Đã ghi tệp" in run("ii06a", *PERIOD, "--unit", a.code, "--format", "xlsx", "--output", str(xlsx))[0]
    sheet = load_workbook(xlsx).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][0] == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert rows[6][:3] == ("(1)", "(2)", "(3)")
    assert rows[7] == (1, "Hộ tịch", 7, 1, 5, 1, 5, 0, 3, 2, 2, 1, 1)
    assert rows[8][1:] == ("Tổng cộng", 7, 1, 5, 1, 5, 0, 3, 2, 2, 1, 1)

    pdf = tmp_path / "ii06a.pdf"
    run("ii06a", *PERIOD, "--unit", a.code, "--format", "pdf", "--output", str(pdf))
    text = PdfReader(pdf).pages[0].extract_text()
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Biểu II.06a",
                     "Kỳ báo cáo: từ ngày 01/04/2026 đến ngày 30/04/2026", "Hộ tịch", "Tổng cộng"):
        assert expected in text, expected


def test_dossiers_behind_a_figure(desk, april):
    a = desk.units["a"]
    out, err = run("dossiers", "--indicator", "2.1", "--part", "numerator", *PERIOD, "--unit", a.code)
    codes = {line.split("\t")[0] for line in out.splitlines()}
    assert codes == {april[k].code for k in ("on_time", "supplement", "withdrawn", "in_time")}
    assert "4 trên tổng số 4" in err
    data = json.loads(run("dossiers", "--ii06a-column", "resolved_late", "--field", "ho-tich", *PERIOD, "--unit",
                          a.code, "--format", "json")[0])
    assert data["total"] == 2 and {r["code"] for r in data["results"]} == {april["late"].code,
                                                                          april["carried"].code}
    page = json.loads(run("dossiers", "--indicator", "2.1", "--part", "denominator", *PERIOD, "--unit", a.code,
                          "--limit", "3", "--offset", "3", "--format", "json")[0])
    assert page["total"] == 7 and len(page["results"]) == 3
    procedures = run("dossiers", "--indicator", "3.1", "--part", "denominator", *PERIOD, "--unit", a.code)[0]
    assert len(procedures.splitlines()) == selectors.service_index(a, APRIL).indicator("3.1").denominator


@pytest.mark.parametrize(("args", "message"), [
    (["service-index", "--from", "2026-13-01", "--to", "2026-12-31"], "không phải là ngày"),
    (["service-index", "--from", "2026-04-30", "--to", "2026-04-01"], "--to phải bằng hoặc sau --from"),
    (["ii06a", *PERIOD, "--unit", "999.99.99.H99"], "Không có đơn vị nào mang mã “999.99.99.H99”"),
    (["dossiers", "--indicator", "9.9", *PERIOD], "Không có chỉ số “9.9”"),
    (["dossiers", "--indicator", "5.2", *PERIOD], "chưa có dữ liệu"),
    (["dossiers", "--ii06a-column", "carried_over", "--field", "khong-co", *PERIOD], "Không có lĩnh vực"),
    (["dossiers", "--indicator", "2.1", "--limit", "0", *PERIOD], "--limit phải từ 1 đến 10000"),
])
def test_wrong_arguments_are_explained_in_vietnamese(desk, args, message):
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert message in str(raised.value)
    assert raised.value.returncode == 2


def test_rebuild_and_verify(desk, april):
    out, _err = run("rebuild")
    assert "Đã tính lại số liệu tổng hợp của 9 hồ sơ" in out  # the refused one was never received
    assert "khớp" in run("verify", *PERIOD)[0]
    from motcua.metrics.models import RollupDay

    row = RollupDay.objects.filter(day__gte=date(2026, 4, 1), received_other__gt=0).first()
    RollupDay.objects.filter(pk=row.pk).update(received_other=row.received_other + 1)  # a corrupted rollup
    with pytest.raises(CommandError) as raised:
        run("verify", *PERIOD)
    assert raised.value.returncode == 1 and "motcua report rebuild" in str(raised.value)
    run("rebuild")
    assert "khớp" in run("verify", *PERIOD)[0]


def test_contradictory_rollups_stop_the_report_with_advice(desk, april):
    from motcua.metrics.models import RollupMonth

    RollupMonth.objects.filter(received_other__gt=0).update(received_other=0)  # received, yet resolved…
    with pytest.raises(CommandError) as raised:
        run("ii06a", *PERIOD, "--unit", desk.units["a"].code)
    assert raised.value.returncode == 1 and "motcua report rebuild" in str(raised.value)
