"""Lateness alerts in headless Chromium: the leader sees the alert in the "Alerts" list, opens the dossier, finds
the apology draft and the apology form prefilled with its new date, previews Mẫu 04 and gives the apology."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from motcua.dossiers.alerts import apology_draft, run_scan
from motcua.dossiers.models import Dossier
from tests.dossiers.test_alerts import desk, receive, short_limit  # noqa: F401 - fixture
from tests.e2e.test_dossier_page import open_action, sign_in_as
from tests.e2e.test_officer_journey import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_sees_the_alert_opens_the_dossier_and_finds_the_apology_prefilled(
        page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    short_limit(desk)  # 12 working hours for 24 h of steps: at risk at once, apology margin = the 4 h lead
    d = receive(desk, timezone.now(), name="Nguyễn Thị Cảnh Báo")
    other = receive(desk, timezone.now(), unit="b", name="Khách Xã Bình Minh")
    assert run_scan().raised == {"at_risk": 2, "apology_due": 2}
    draft = apology_draft(d)
    assert draft is not None and draft.proposed_due_at is not None
    proposed = timezone.localtime(draft.proposed_due_at)

    sign_in_as(page, "lead_a")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Cảnh báo").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cảnh báo trễ hạn"
    rows = page.locator("tr.alert-row")
    assert rows.count() == 2
    assert sorted(rows.evaluate_all("els => els.map(e => e.dataset.code)")) == [d.code, d.code]
    assert other.code not in page.locator("main").inner_text()
    assert "Sắp hết hạn xin lỗi" in page.locator("tr.alert-row--apology_due").inner_text()
    assert "Có nguy cơ trễ hạn" in page.locator("tr.alert-row--at_risk").inner_text()
    check_page(page)
    shoot(page, "alerts-list")

    page.locator("tr.alert-row--apology_due").get_by_role("link", name=d.code).click()
    assert page.get_by_role("heading", level=1).inner_text() == d.code
    panel = page.locator("#apology-draft")
    assert "Dự thảo xin lỗi" in panel.inner_text()
    assert proposed.strftime("%H:%M %d/%m/%Y") in panel.inner_text()
    form = open_action(page, "apologise")
    field = form.get_by_label("Ngày, giờ hẹn trả kết quả mới")
    assert field.input_value() == proposed.strftime("%Y-%m-%dT%H:%M")
    reason = form.locator("textarea")
    assert reason.input_value() == "" and reason.get_attribute("placeholder").startswith("[Lý do chậm trễ")
    check_page(page)
    shoot(page, "alerts-dossier-draft")

    preview = page.request.get(panel.get_by_role("link", name="Xem trước Mẫu 04 (dự thảo)").get_attribute("href"))
    assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"

    # The apology is the leader's explicit action: the reason written, the proposed date kept.
    reason.fill("Cần xác minh thêm thông tin với đơn vị liên quan.")
    form.get_by_role("button", name="Xin lỗi và hẹn lại ngày trả kết quả").click()
    page.wait_for_url(f"**/backoffice/dossiers/{d.code}/?done=apologise*")
    d = Dossier.objects.get(pk=d.pk)
    assert d.apologised and d.promised_due_at == proposed.replace(second=0, microsecond=0)
    assert page.locator("#apology-draft").count() == 0
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Cảnh báo").click()
    assert page.locator("tr.alert-row").count() == 0  # both alerts were for the old appointment
    shoot(page, "alerts-list-empty")
