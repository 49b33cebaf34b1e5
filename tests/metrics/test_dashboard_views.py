"""The report screens through the test client: permissions, figures equal to the selectors', drill-downs whose
counts equal their figures, bad input, XLSX/PDF downloads. Data: the hand-counted April 2026 of
test_rollups_db (commune A, one dossier at B)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from motcua.core.domain.permissions import Role
from motcua.core.models import Unit
from motcua.dossiers.models import StepExecution
from motcua.metrics import dashboards as dash
from motcua.metrics import domain as m
from motcua.metrics import selectors

from .conftest import Desk
from .test_rollups_db import APRIL, _april

pytestmark = pytest.mark.django_db
MONTH = "2026-04"


@pytest.fixture
def april(desk: Desk) -> dict[str, Any]:
    return _april(desk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _count(html: str) -> int:
    found = re.search(r'data-count="(\d+)"', html)
    assert found, html[:2000]
    return int(found.group(1))


def _figures(html: str) -> dict[str, tuple[int, str]]:
    """data-figure="code-part" links of the page: their number and URL."""
    return {f: (int(n), url.replace("&amp;", "&")) for url, f, n in
            re.findall(r'<a href="([^"]+)"[^>]*data-figure="([^"]+)">(\d+)</a>', html)}


# ---- permissions ----------------------------------------------------------------------------------------


def test_login_is_required(client: Client) -> None:
    response = client.get("/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_officer_without_report_view_gets_403_and_no_link(desk: Desk, make_officer: Any) -> None:
    clerk = make_officer("clerk_a", desk.units["a"], Role.RECEPTION_OFFICER)
    client = _client(clerk)
    for url in ("/reports/", "/reports/ii06a/", "/reports/dossiers/?indicator=2.1&part=numerator",
                "/reports/late/", "/reports/ii06a.xlsx", "/reports/dashboard.xlsx"):
        assert client.get(url).status_code == 403, url
    home = client.get("/backoffice/").content.decode()
    assert "/reports/" not in home
    assert "Báo cáo</a>" in _client(desk.monitor).get("/backoffice/").content.decode()


def test_a_leader_sees_their_unit_only(desk: Desk, make_officer: Any, april: dict[str, Any]) -> None:
    leader = make_officer("leader_a", desk.units["a"], Role.LEADER)
    client = _client(leader)
    page = client.get("/reports/", {"period": MONTH})
    assert page.status_code == 200
    html = page.content.decode()
    assert desk.units["a"].name in html
    # the unit picker lists the leader's unit only
    assert re.findall(r'<option value="([^"]+)"', html.split('id="report-unit"')[1].split("</select>")[0]) == [
        desk.units["a"].code]
    for other in ("province", "b", "dept"):
        code = desk.units[other].code
        assert client.get("/reports/", {"unit": code, "period": MONTH}).status_code == 403, other
        assert client.get("/reports/ii06a/", {"unit": code, "period": MONTH}).status_code == 403, other
        assert client.get("/reports/dossiers/", {"unit": code, "period": MONTH, "column": "received_total"}
                          ).status_code == 403, other
        assert client.get("/reports/ii06a.xlsx", {"unit": code, "period": MONTH}).status_code == 403, other


def test_the_monitor_defaults_to_the_province_and_the_current_quarter(desk: Desk) -> None:
    html = _client(desk.monitor).get("/reports/").content.decode()
    today = timezone.localdate()
    current = dash.ReportPeriod.current_quarter(today)
    assert desk.units["province"].name in html
    assert f'<option value="{current.token}" selected>' in html
    assert f"Quý {current.number}/{current.year}" in html


# ---- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "message"), [
    ({"period": "2026-13"}, "Hãy chọn kỳ báo cáo trong danh sách"),
    ({"period": "quý 1"}, "Hãy chọn kỳ báo cáo trong danh sách"),
    ({"period": "2099-Q1"}, "Kỳ này chưa bắt đầu"),
    ({"period": "2026-04\x00"}, "Hãy chọn kỳ báo cáo trong danh sách"),
    ({"unit": "000.99.99.H12"}, "Không có đơn vị mã 000.99.99.H12"),
    ({"unit": "H12\x00"}, "Chọn đơn vị trong danh sách"),
    ({"unit": "x" * 300}, "Chọn đơn vị trong danh sách"),
])
@pytest.mark.parametrize("url", ["/reports/", "/reports/ii06a/", "/reports/ii06a.xlsx", "/reports/late/",
                                 "/reports/dashboard.xlsx"])
def test_a_bad_unit_or_period_gets_a_vietnamese_message(desk: Desk, url: str, params: dict[str, str],
                                                        message: str) -> None:
    response = _client(desk.monitor).get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


@pytest.mark.parametrize("params", [
    {"indicator": "9.9", "part": "numerator"}, {"indicator": "2.1", "part": "both"}, {"column": "nope"},
    {"column": "received_total", "field": "abc"}, {"late": "team"}, {"late": "officer", "step_unit": "X",
                                                                       "officer": "1x"}, {},
])
def test_a_bad_drilldown_says_what_to_choose(desk: Desk, params: dict[str, str]) -> None:
    response = _client(desk.monitor).get("/reports/dossiers/", {"period": MONTH, **params})
    assert response.status_code == 400
    assert "Hãy chọn" in response.content.decode()


def test_a_bad_sort_falls_back_with_a_message(desk: Desk, april: dict[str, Any]) -> None:
    html = _client(desk.monitor).get("/reports/", {"period": MONTH, "sort": "evil", "dir": "up"}).content.decode()
    assert "Không sắp xếp đơn vị theo cách này được" in html


# ---- figures --------------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_selectors_figures_and_each_drilldown_counts_them(
        desk: Desk, april: dict[str, Any]) -> None:
    a = desk.units["a"]
    client = _client(desk.monitor)
    html = client.get("/reports/", {"unit": a.code, "period": MONTH}).content.decode()
    index = selectors.service_index(a, APRIL)
    figures = _figures(html)
    checked = 0
    for i in index.indicators:
        if not i.has_data:
            assert f"{i.code}-numerator" not in figures
            continue
        for part, value in (("numerator", i.numerator), ("denominator", i.denominator)):
            number, url = figures[f"{i.code}-{part}"]
            assert number == value, (i.code, part)
            assert _count(client.get(url).content.decode()) == value, (i.code, part)
            checked += 1
    assert checked >= 20
    total = re.search(r'data-figure="total">([\d,]+)', html)
    assert total and total.group(1) == f"{m.rounded(index.total, 2)}".replace(".", ",")
    # the II.06a figures by status, each with its list
    row = index.counts
    for column in ("resolved_early", "resolved_on_time", "resolved_late", "in_progress_in_time",
                   "in_progress_overdue", "carried_over", "received_online"):
        url = f"/reports/dossiers/?unit={a.code}&period={MONTH}&column={column}"
        assert f'<a href="{url.replace("&", "&amp;")}">{getattr(row, column)}</a>' in html, column
        assert _count(client.get(url).content.decode()) == getattr(row, column), column
    # the procedures with the most late dossiers, each with its lists
    procedures = selectors.procedure_lateness(a, APRIL)
    assert procedures and procedures[0].late >= 2
    for p in procedures:
        for column, value in (("resolved_late", p.row.resolved_late), ("in_progress_overdue",
                                                                       p.row.in_progress_overdue)):
            url = f"/reports/dossiers/?unit={a.code}&period={MONTH}&column={column}&procedure={p.code}"
            assert f'<a href="{url.replace("&", "&amp;")}">{value}</a>' in html
            assert _count(client.get(url).content.decode()) == value


def test_the_child_units_table_has_each_units_index_and_sorts(desk: Desk, april: dict[str, Any],
                                                              make_unit: Any) -> None:
    province = desk.units["province"]
    empty = make_unit("000.30.01.H12", "Ban Quản lý Thử", Unit.Kind.OTHER, province)
    client = _client(desk.monitor)
    html = client.get("/reports/", {"unit": province.code, "period": MONTH, "sort": "name", "dir": "asc"}
                      ).content.decode()
    table = html.split('id="units"')[1].split("</table>")[0]
    names = re.findall(r'<th scope="row" data-label="[^"]+"><a href="[^"]+">([^<]+)</a></th>', table)
    children = sorted(u.name for u in province.children.all())
    assert names == children
    for key in ("a", "b"):
        unit = desk.units[key]
        index = selectors.service_index(unit, APRIL)
        on_time = index.indicator("2.1").ratio
        assert on_time is not None
        assert f"{m.rounded(on_time * 100, 1)}%".replace(".", ",") in table.split(unit.name)[1].split("</tr>")[0]
    descending = client.get("/reports/", {"unit": province.code, "period": MONTH, "sort": "name", "dir": "desc"}
                            ).content.decode().split('id="units"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row" data-label="[^"]+"><a href="[^"]+">([^<]+)</a></th>', descending) == \
        children[::-1]
    # a unit without any dossier says "no data" instead of a score of zero
    assert "không có dữ liệu" in table.split(empty.name)[1].split("</tr>")[0]
    assert "không có dữ liệu" not in table.split(desk.units["a"].name)[1].split("</tr>")[0]


def test_the_ii06a_screen_matches_the_report_and_links_every_cell(desk: Desk, april: dict[str, Any]) -> None:
    a = desk.units["a"]
    client = _client(desk.monitor)
    html = client.get("/reports/ii06a/", {"unit": a.code, "period": MONTH}).content.decode()
    report = selectors.ii06a(a, APRIL)
    total_row = html.split('class="total-row"')[1].split("</tr>")[0]
    cells = re.findall(r'<a href="([^"]+)" data-column="\d+">(\d+)</a>', total_row)
    assert tuple(int(n) for _u, n in cells) == report.total.values()
    for url, n in cells:
        assert _count(client.get(url.replace("&amp;", "&")).content.decode()) == int(n)
    for line in report.lines:
        assert line.field_name in html


def test_ii06a_downloads(desk: Desk, april: dict[str, Any]) -> None:
    a = desk.units["a"]
    client = _client(desk.monitor)
    xlsx = client.get("/reports/ii06a.xlsx", {"unit": a.code, "period": MONTH})
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    with translation.override("vi"):
        total_label = gettext("Total")
    rows = [r for r in ws.iter_rows(values_only=True) if r[1] == total_label]
    assert rows and tuple(rows[0][2:13]) == selectors.ii06a(a, APRIL).total.values()
    pdf = client.get("/reports/ii06a.pdf", {"unit": a.code, "period": MONTH})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_dashboard_xlsx_has_the_figures(desk: Desk, april: dict[str, Any]) -> None:
    province = desk.units["province"]
    response = _client(desk.monitor).get("/reports/dashboard.xlsx", {"unit": province.code, "period": MONTH})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Các chỉ số thành phần", "Đơn vị", "Tỷ lệ", "Các bước xử lý trễ hạn",
                             "Trễ hạn theo cán bộ", "Thủ tục"]
    index = selectors.service_index(province, APRIL)
    by_code = {r[0]: r for r in wb["Các chỉ số thành phần"].iter_rows(min_row=4, values_only=True) if r[0]}
    for i in index.indicators:
        assert by_code[i.code][2:4] == (i.numerator, i.denominator), i.code
    units = {r[0]: r for r in wb["Đơn vị"].iter_rows(min_row=4, values_only=True)}
    for key in ("province", "a", "b"):
        unit = desk.units[key]
        idx = selectors.service_index(unit, APRIL)
        assert units[unit.code][2] == float(m.rounded(idx.total, 2))
        assert units[unit.code][-3:] == (idx.counts.received_total, idx.counts.resolved_late,
                                         idx.counts.in_progress_overdue)
    late_rows = list(wb["Các bước xử lý trễ hạn"].iter_rows(min_row=4, values_only=True))
    assert late_rows, "the late dossiers of April have late steps"


# ---- late steps -----------------------------------------------------------------------------------------


def _late_in_python(unit: Unit, now: Any) -> set[str]:
    """The codes of the dossiers with a step of `unit` late in April, judged row by row in Python: finished in
    April in a later minute than its due time, or still running with its due minute passed before the end of
    April (or now), its clock not stopped before its due time."""
    zone = timezone.get_current_timezone()
    start, end = APRIL.start(zone), APRIL.end(zone)
    cut = min(end, now)
    minute = timedelta(minutes=1)
    out = set()
    for step in StepExecution.objects.filter(unit=unit).select_related("dossier"):
        if step.due_at is None or step.started_at is None:
            continue
        if step.finished_at is not None:
            late = start <= step.finished_at < end and step.finished_at >= step.due_at + minute
        else:
            paused = step.dossier.paused_at
            late = step.due_at + minute <= cut and not (paused is not None and paused < step.due_at + minute)
        if late:
            out.add(step.dossier.code)
    return out


def test_late_steps_by_step_and_officer_with_their_dossiers(desk: Desk, april: dict[str, Any]) -> None:
    a = desk.units["a"]
    late, carried = april["late"], april["carried"]
    officer = desk.officers["a"]
    held = desk.receive("a", "2026-04-20 08:00")  # appraisal held by the officer, left running past its due time
    desk.act(held, "hand_over", "2026-04-20 08:30", holder=officer)
    client = _client(desk.monitor)
    fragment = client.get("/reports/late/", {"unit": a.code, "period": MONTH}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and "HX-Request" in fragment["Vary"]
    rows = dash.late_attribution(a, APRIL, dash.LateBy.STEP, user=desk.monitor, now=timezone.now())
    assert rows, "late and carried were resolved after their due time"
    expected_finished = sum(r["finished_late"] for r in rows)
    assert expected_finished >= 2
    links = re.findall(r'<a href="(/reports/dossiers/[^"]+)">(\d+)</a>', html)
    assert [int(n) for _u, n in links] == [r["total"] for r in rows]
    listed: set[str] = set()
    for url, n in links:
        page = client.get(url.replace("&amp;", "&")).content.decode()
        assert _count(page) <= int(n)  # a dossier can be late at one step twice (sent back)
        listed |= set(re.findall(r'dossiers/([^/"]+)/"', page))
    assert {late.code, carried.code} <= listed
    assert listed == _late_in_python(a, timezone.now())
    assert held.code in listed
    by_officer = client.get("/reports/late/", {"unit": a.code, "period": MONTH, "by": "officer"}).content.decode()
    officer_rows = dash.late_attribution(a, APRIL, dash.LateBy.OFFICER, user=desk.monitor, now=timezone.now())
    assert sum(r["total"] for r in officer_rows) == sum(r["total"] for r in rows)
    mine = next(r for r in officer_rows if r["holder_id"] == officer.pk)
    assert (mine["finished_late"], mine["overdue"]) == (0, 1)
    assert str(officer) in by_officer and "Chưa giao cán bộ" in by_officer
    officer_url = next(u for u, _n in re.findall(r'<a href="(/reports/dossiers/[^"]+)">(\d+)</a>', by_officer)
                       if f"officer={officer.pk}" in u)
    assert re.findall(r'dossiers/([^/"]+)/"', client.get(officer_url.replace("&amp;", "&")).content.decode()) == [
        held.code]
    assert "<html" in by_officer  # without htmx: a whole page


def test_a_step_still_running_past_its_due_time_counts_as_overdue(desk: Desk, april: dict[str, Any]) -> None:
    b = desk.units["b"]
    rows = list(dash.late_attribution(b, APRIL, dash.LateBy.STEP, user=desk.monitor, now=timezone.now()))
    assert [(r["unit__code"], r["finished_late"], r["overdue"]) for r in rows] == [(b.code, 0, 1)]
    # before its due time it is not late
    received = april["other_unit"].received_at
    early = dash.late_attribution(b, APRIL, dash.LateBy.STEP, user=desk.monitor, now=received + timedelta(hours=1))
    assert list(early) == []


def test_the_leader_cannot_open_another_units_late_steps(desk: Desk, make_officer: Any,
                                                         april: dict[str, Any]) -> None:
    leader = make_officer("leader_a", desk.units["a"], Role.LEADER)
    client = _client(leader)
    assert client.get("/reports/late/", {"unit": desk.units["b"].code, "period": MONTH}).status_code == 403
    response = client.get("/reports/dossiers/", {"unit": desk.units["b"].code, "period": MONTH, "late": "step",
                                                 "step_unit": desk.units["b"].code, "step": "x"})
    assert response.status_code == 403


def test_a_drilldown_pages_by_position_and_caps_its_count(desk: Desk, april: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two: the Next links go through every dossier once, in receipt order, and the Previous links come
    back the same way; past the cap the count says "more than"; a broken cursor gives the first page and a
    message."""
    from motcua.metrics import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    a = desk.units["a"]
    client = _client(desk.monitor)
    expected = list(selectors.ii06a_dossiers("received_total", a, APRIL).values_list("code", flat=True))
    assert len(expected) >= 5
    url: str | None = f"/reports/dossiers/?unit={a.code}&period={MONTH}&column=received_total"
    pages: list[list[str]] = []
    while url:
        html = client.get(url).content.decode()
        assert _count(html) == len(expected) and "data-capped" not in html
        pages.append(re.findall(r'dossiers/([^/"]+)/"', html))
        assert len(pages) <= len(expected), pages  # each page moves on
        found = re.search(r'<a href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert [c for page in pages for c in page] == expected and all(len(p) <= 2 for p in pages)
    back: list[list[str]] = []
    previous = re.search(r'<a href="([^"]+)" rel="prev"', html)
    while previous:
        html = client.get(previous.group(1).replace("&amp;", "&")).content.decode()
        back.append(re.findall(r'dossiers/([^/"]+)/"', html))
        previous = re.search(r'<a href="([^"]+)" rel="prev"', html)
    assert back == pages[-2::-1]
    monkeypatch.setattr(selectors, "DRILL_COUNT_CAP", 3)
    html = client.get(f"/reports/dossiers/?unit={a.code}&period={MONTH}&column=received_total").content.decode()
    assert 'data-count="3" data-capped="true"' in html and "Hơn 3 hồ sơ" in html
    broken = client.get(f"/reports/dossiers/?unit={a.code}&period={MONTH}&column=received_total&after=%%%")
    assert "Trang danh sách này không còn tồn tại" in broken.content.decode()
    assert re.findall(r'dossiers/([^/"]+)/"', broken.content.decode()) == expected[:2]
