"""The monitor's dashboard in real headless Chromium: pick the unit and period, the charts draw (canvas, no
console error), a figure opens the dossiers behind it and a dossier its back-office page, the late steps load
(htmx), Biểu II.06a shows and downloads as XLSX. Screenshots: dashboard-province, dashboard-commune,
dashboard-drilldown, dashboard-ii06a (desktop and 360 px)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import ActionParams, ApplicantData, allowed_actions_for, create_dossier, perform
from motcua.metrics import dashboards as dash
from motcua.metrics import selectors
from tests.e2e.test_officer_journey import check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-Word-123"


@pytest.fixture
def province(province_tree: dict[str, Any], make_officer: Any) -> dict[str, Any]:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    officers = {k: make_officer(f"desk_{k}", t[k], Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER,
                                Role.CLERK) for k in ("a", "b")}
    monitor = make_officer("tinh.giamsat", t["province"], Role.MONITOR, password=PASSWORD)
    proc = catalog.procedure_by_code("1.000689")
    now = timezone.now()
    start = now - timedelta(days=12)

    def receive(unit: str, when: Any, online: bool = False) -> Dossier:
        d = create_dossier(actor=officers[unit], procedure=proc, receiving_unit=t[unit],
                           channel=Channel.ONLINE if online else Channel.DIRECT,
                           applicant=ApplicantData(name="Nguyễn Văn An"), now=when)
        if online:
            d = perform(actor=officers[unit], code=d.code, action="accept", params=ActionParams(), now=when)
        return d

    def resolve(unit: str, d: Dossier, when: Any) -> None:
        for _ in range(20):
            d = Dossier.objects.get(pk=d.pk)
            allowed = allowed_actions_for(officers[unit], d, now=when)
            if "record_result" in allowed:
                perform(actor=officers[unit], code=d.code, action="record_result",
                        params=ActionParams(electronic=True), now=when)
                return
            perform(actor=officers[unit], code=d.code, action="approve" if "approve" in allowed else "hand_over",
                    params=ActionParams(), now=when)
        raise AssertionError("could not resolve")

    for n in range(3):
        resolve("a", receive("a", start + timedelta(minutes=10 * n), online=n == 0), start + timedelta(hours=1))
    late = receive("a", start + timedelta(hours=2))
    resolve("a", late, start + timedelta(days=9))
    receive("a", start + timedelta(hours=3))  # left running: overdue
    receive("b", start + timedelta(hours=1), online=True)
    period = dash.ReportPeriod.current_quarter(timezone.localdate(start))
    return {"tree": t, "monitor": monitor, "period": period, "late": late}


def _console_errors(page: Any) -> list[str]:
    """Script errors and failed loads of the page (the browser's own favicon request aside: no icon yet)."""
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_monitor_dashboard_drilldown_and_ii06a(page: Any, province: dict[str, Any], shoot: Any) -> None:
    t, period = province["tree"], province["period"]
    errors = _console_errors(page)
    log_in(page, "tinh.giamsat", PASSWORD)
    page.get_by_role("link", name="Báo cáo").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bảng điều khiển chỉ số phục vụ"
    page.get_by_label("Kỳ báo cáo", exact=True).select_option(period.token)
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(f"**period={period.token}**")
    # the three charts are drawn on their canvases
    for chart in ("chart-trend", "chart-rates", "chart-status"):
        page.wait_for_function(f"() => window.Chart && Chart.getChart('{chart}') !== undefined")
        box = page.locator(f"#{chart}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart
    # the late steps arrive through htmx
    late_panel = page.locator("#late-panel")
    late_panel.get_by_role("columnheader", name="Hoàn thành trễ hạn").wait_for()
    assert t["a"].name in late_panel.inner_text()
    province_index = selectors.service_index(t["province"], period.to_date(timezone.localdate()))
    on_time = province_index.indicator("2.1")
    assert on_time.numerator is not None
    assert page.locator("[data-figure='2.1-numerator']").first.inner_text() == str(on_time.numerator)
    check_page(page)
    shoot(page, "dashboard-province")

    # a child unit's dashboard, then a figure's dossiers, then a dossier's page
    page.locator("#units").get_by_role("link", name=t["a"].name).click()
    page.wait_for_url(f"**unit={t['a'].code}**")
    index_a = selectors.service_index(t["a"], period.to_date(timezone.localdate()))
    late_count = index_a.counts.resolved_late
    assert late_count == 1
    shoot(page, "dashboard-commune")
    page.locator("[data-figure='2.1-denominator']").first.click()
    page.wait_for_url("**/reports/dossiers/**")
    denominator = index_a.indicator("2.1").denominator
    assert page.locator(".result-count").get_attribute("data-count") == str(denominator)
    assert page.get_by_role("row").count() == 1 + (denominator or 0)
    check_page(page)
    shoot(page, "dashboard-drilldown")
    code = province["late"].code
    page.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/backoffice/dossiers/{code}/**")
    assert code in page.get_by_role("heading", level=1).inner_text()

    # Biểu II.06a on screen, then its XLSX
    page.go_back()
    page.get_by_role("link", name="Biểu II.06a").first.click()
    page.wait_for_url("**/reports/ii06a/**")
    report = selectors.ii06a(t["a"], period.to_date(timezone.localdate()))
    cells = page.locator("tr.total-row a").all_inner_texts()
    assert tuple(int(c) for c in cells) == report.total.values()
    check_page(page)
    shoot(page, "dashboard-ii06a")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải XLSX").click()
    download = download_info.value
    assert download.suggested_filename == f"ii06a-{t['a'].code}-{period.token}.xlsx"
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert ws is not None
    values = [r for r in ws.iter_rows(values_only=True) if r[1] == "Tổng cộng"]
    assert values and tuple(values[0][2:13]) == report.total.values()
    assert errors == []
