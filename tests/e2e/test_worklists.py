"""Worklists in real headless Chromium: a specialist sees the tabs with counts and the risk colours (with
text); a leader selects two dossiers awaiting approval and approves them in bulk; a specialist never gets
the checkboxes. Screenshots: worklist-specialist, worklist-specialist-filtered, worklist-leader-approval,
worklist-leader-approved, home-worklist-counts (desktop, 360 px, print)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers.domain import state_from_json
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import ActionParams, ApplicantData, create_dossier, perform
from motcua.workcalendar.selectors import calendar_for_unit
from tests.e2e.test_officer_journey import check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-Word-123"


def _working_hours_ago(unit: Any, hours: float) -> Any:
    """An instant `hours` of working time before now on the unit's calendar (15-minute steps back)."""
    calendar = calendar_for_unit(unit)
    now = timezone.now()
    moment = now
    while calendar.working_time_between(moment, now) < timedelta(hours=hours):
        moment -= timedelta(minutes=15)
    return moment


@pytest.fixture
def office(province_tree: dict[str, Any], make_officer: Any) -> dict[str, Any]:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    people = {
        "reception": make_officer("an.tiepnhan", t["a"], Role.RECEPTION_OFFICER),
        "specialist": make_officer("an.chuyenvien", t["a"], Role.SPECIALIST),
        "leader": make_officer("an.lanhdao", t["a"], Role.LEADER),
        "reception_b": make_officer("bm.tiepnhan", t["b"], Role.RECEPTION_OFFICER),
    }
    proc = catalog.procedure_by_code("1.004873")  # 3 working days: reception 1 h, specialist 19 h, leader 2 h…

    def receive(name: str, when: Any, unit: str = "a") -> Dossier:
        who = people["reception"] if unit == "a" else people["reception_b"]
        return create_dossier(actor=who, procedure=proc, receiving_unit=t[unit], channel=Channel.DIRECT,
                              applicant=ApplicantData(name=name), now=when)

    now = timezone.now()
    made = {
        "overdue": receive("Trần Thị Quá Hạn", now - timedelta(days=40)),
        # Still at reception (1 h share) after 3 working hours: less time left than the later steps need.
        "at_risk": receive("Lê Văn Nguy Cơ", _working_hours_ago(t["a"], 3)),
        "fresh": receive("Hoàng Văn Đúng Hạn", now - timedelta(minutes=2)),
        "b": receive("Khách Xã Bình Minh", now - timedelta(days=40), unit="b"),
    }
    perform(actor=people["reception"], code=made["fresh"].code, action="hand_over",
            params=ActionParams(holder=people["specialist"]), now=now - timedelta(minutes=1))
    for key, name in (("lead1", "Phạm Thị Phê Duyệt"), ("lead2", "Vũ Văn Ký Duyệt")):
        d = made[key] = receive(name, now - timedelta(minutes=30))
        perform(actor=people["reception"], code=d.code, action="hand_over", now=now - timedelta(minutes=20))
        perform(actor=people["specialist"], code=d.code, action="hand_over", now=now - timedelta(minutes=10))
    return {**people, "dossiers": made}


def _row(page: Any, code: str) -> Any:
    return page.locator(f'tr[data-code="{code}"]')


def test_specialist_sees_the_worklist_with_counts_and_colours(page: Any, office: dict[str, Any], shoot: Any) -> None:
    d = office["dossiers"]
    log_in(page, "an.chuyenvien", PASSWORD)
    page.goto("/backoffice/")
    assert page.locator('[data-count="overdue"]').first.inner_text().startswith("1")
    shoot(page, "home-worklist-counts")
    page.get_by_role("link", name="Danh sách công việc").first.click()
    # The default tab is "mine": the specialist holds the fresh dossier.
    assert page.locator('.worklist-tabs [aria-current="page"]').inner_text().startswith("Của tôi")
    assert page.locator("tr[data-code]").count() == 1
    page.locator(".worklist-tabs").get_by_role("link", name="Của đơn vị").click()
    counts = {tab: page.locator(f'.worklist-tabs [data-count="{tab}"]').inner_text().split()[0]
              for tab in ("mine", "unit", "overdue", "at_risk", "due_today", "supplement")}
    assert counts == {"mine": "1", "unit": "5", "overdue": "1", "at_risk": "1", "due_today": counts["due_today"],
                      "supplement": "0"}
    assert _row(page, d["b"].code).count() == 0 and "Khách Xã Bình Minh" not in page.content()
    # Colour and text: red overdue, amber at risk, green in time.
    colours = {}
    for key, label in (("overdue", "Quá hạn"), ("at_risk", "Có nguy cơ trễ hạn"), ("fresh", "Trong hạn")):
        badge = _row(page, d[key].code).locator(".risk")
        assert badge.inner_text() == label
        colours[key] = badge.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colours == {"overdue": "rgb(251, 233, 236)", "at_risk": "rgb(255, 243, 205)",
                       "fresh": "rgb(231, 243, 234)"}
    # No approval for a specialist: no checkbox, no button.
    assert page.locator('input[name="codes"]').count() == 0
    assert page.get_by_role("button", name="Phê duyệt các hồ sơ đã chọn").count() == 0
    check_page(page)
    shoot(page, "worklist-specialist")
    shoot.printed(page, "worklist-specialist")
    # Search as you type (htmx) by part of the name, then sort by code with the column header.
    page.get_by_label("Mã hồ sơ hoặc tên người nộp").fill("nguy cơ")
    page.wait_for_function("document.querySelectorAll('tr[data-code]').length === 1")
    assert _row(page, d["at_risk"].code).count() == 1
    assert "q=nguy" in page.url
    shoot(page, "worklist-specialist-filtered")
    page.goto("/backoffice/worklist/?tab=unit")
    page.get_by_role("link", name="Mã hồ sơ").click()
    codes = page.locator("tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes == sorted(codes) and len(codes) == 5


def test_leader_bulk_approves_two_dossiers(page: Any, office: dict[str, Any], shoot: Any) -> None:
    d = office["dossiers"]
    log_in(page, "an.lanhdao", PASSWORD)
    page.goto("/backoffice/worklist/?tab=approval")
    assert page.locator('.worklist-tabs [data-count="approval"]').inner_text().startswith("2")
    boxes = page.locator('input[name="codes"]')
    assert boxes.count() == 2
    select_all = page.get_by_label("Chọn tất cả hồ sơ chờ phê duyệt trên trang này")
    assert select_all.is_visible()
    check_page(page)
    shoot(page, "worklist-leader-approval")
    select_all.check()
    assert all(boxes.nth(i).is_checked() for i in range(2))
    page.get_by_role("button", name="Phê duyệt các hồ sơ đã chọn").click()
    success = page.locator(".message--success")
    assert "Đã phê duyệt 2 hồ sơ" in success.inner_text()
    assert d["lead1"].code in success.inner_text() and d["lead2"].code in success.inner_text()
    assert page.locator("tr[data-code]").count() == 0
    assert page.locator('.worklist-tabs [data-count="approval"]').inner_text().startswith("0")
    shoot(page, "worklist-leader-approved")
    for key in ("lead1", "lead2"):
        assert state_from_json(Dossier.objects.get(code=d[key].code).state).approved


def test_leader_selects_one_by_keyboard_and_a_failure_is_reported(page: Any, office: dict[str, Any]) -> None:
    d = office["dossiers"]
    log_in(page, "an.lanhdao", PASSWORD)
    page.goto("/backoffice/worklist/?tab=approval")
    # Meanwhile another leader approves the first one: the page still offers it.
    perform(actor=office["leader"], code=d["lead1"].code, action="approve")
    page.get_by_label(f"Chọn hồ sơ {d['lead1'].code}").focus()
    page.keyboard.press("Space")
    page.get_by_label(f"Chọn hồ sơ {d['lead2'].code}").check()
    page.get_by_role("button", name="Phê duyệt các hồ sơ đã chọn").click()
    assert f"Đã phê duyệt 1 hồ sơ: {d['lead2'].code}." in page.locator(".message--success").inner_text()
    failure = page.locator(".message--error").inner_text()
    assert d["lead1"].code in failure and "Hồ sơ đã được phê duyệt." in failure
