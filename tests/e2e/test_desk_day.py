"""A day at the one-stop desk, entirely in headless Chromium: the whole path of one dossier.

Counter reception (procedure searched without diacritics, counter, applicant, checklist, a scan, fee and
appointment before saving) → receipt Mẫu 01 (a PDF holding the code) → the reception officer hands it over
→ the specialist opens it from the worklist and hands it to the leader → the leader approves it in the
worklist and hands it on → the clerk moves it to the return step and records an electronic result (a PDF)
→ the return desk finds it by the code typed like a keyboard-wedge scanner and hands it over, recording the
receiver → "Result returned" (status 10) on the dossier page and on the public lookup (masked name), and
the counter's ledger (Mẫu 07) lists it. Only the fixture set-up calls services; everything else is clicks
and keys. Screenshots: desk-day-*.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.core.models import Counter
from motcua.dossiers import counter as desk_counter
from motcua.dossiers.models import Dossier, DossierEvent
from tests.backoffice.test_dossier_page import desk  # noqa: F401 - fixture
from tests.e2e.test_dossier_page import open_action, scanned_files, shown_actions, sign_in_as
from tests.e2e.test_officer_journey import check_page
from tests.printing.support import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROCEDURE = "2.000884"  # Chứng thực chữ ký trong các giấy tờ, văn bản: 10.000 đồng per case, same working day
UNIT_A = "000.10.01.H12"
CODE_RE = re.compile(r"^000\.10\.01\.H12-\d{6}-\d{4}$")
APPLICANT = "Nguyễn Văn An"
ID_NUMBER = "001203004567"


@pytest.fixture
def desk_day(desk: dict[str, Any], tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    a = desk["t"]["a"]
    counters = {n: Counter.objects.create(unit=a, number=n, name=name)
                for n, name in ((1, "Quầy Hộ tịch"), (2, "Quầy Chứng thực"))}
    form_pdf, _image = scanned_files()
    scan = tmp_path / "giay-to-can-chung-thuc.pdf"
    scan.write_bytes(form_pdf)
    result = tmp_path / "ket-qua-chung-thuc.pdf"
    result.write_bytes(form_pdf)
    return {**desk, "counters": counters, "scan": scan, "result": result}


def hand_over_to(page: Any, code: str, officer: str | None) -> None:
    """On the dossier page: open "hand over", choose the officer of the next step (if any), send."""
    panel = open_action(page, "hand_over")
    if officer:
        panel.get_by_label("Cán bộ").select_option(label=officer)
    panel.get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_url(f"**/backoffice/dossiers/{code}/?done=hand_over#done")


def open_from_worklist(page: Any, code: str, tab: str) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Danh sách công việc").click()
    page.locator(".worklist-tabs").get_by_role("link", name=re.compile(f"^{tab}")).click()
    row = page.locator(f'tr[data-code="{code}"]')
    row.wait_for()
    assert APPLICANT in row.inner_text()


def badges(page: Any) -> str:
    return str(page.get_by_role("list", name="Trạng thái và tiến độ").inner_text())


def test_a_day_at_the_desk_from_counter_to_returned(page: Any, desk_day: dict[str, Any], shoot: Any) -> None:
    # ---- 1. Counter reception ------------------------------------------------------------------------------
    sign_in_as(page, "recep_a")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tiếp nhận tại quầy").click()
    page.wait_for_url("**/backoffice/reception/")
    search = page.get_by_label("Tìm thủ tục mà Bộ phận Một cửa này tiếp nhận")
    search.type("chung thuc chu ky", delay=20)  # no diacritics
    page.wait_for_function("() => document.querySelector('#procedure-results .procedure-option__name')"
                           "?.textContent === 'Chứng thực chữ ký trong các giấy tờ, văn bản'")
    shoot(page, "desk-day-1-picker")
    search.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**procedure={PROCEDURE}")
    assert page.get_by_role("heading", name="Chứng thực chữ ký trong các giấy tờ, văn bản").is_visible()

    # The counter the officer sits at: two counters here, none chosen yet.
    counter_select = page.get_by_label("Quầy", exact=True)
    assert counter_select.input_value() == ""
    counter_select.select_option(label="2 · Quầy Chứng thực")

    page.get_by_label("Số định danh cá nhân (CCCD)").fill(ID_NUMBER)
    page.get_by_text("Không có hồ sơ trước với số định danh này").wait_for()
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill(APPLICANT)
    page.get_by_label("Điện thoại").fill("0912 345 678")
    page.get_by_label("Địa chỉ").fill("12 Lê Lợi, xã An Bình")

    documents = desk_counter.required_documents(catalog.procedure_by_code(PROCEDURE).pk)
    assert [d.mandatory for d in documents] == [True, False, True]
    application, _identity, original = documents
    page.wait_for_function("() => document.querySelector('#intake-preview').innerText.includes('Đã nhận 0/3')")
    page.locator(f"#id_doc_{original.pk}_scan").set_input_files(str(desk_day["scan"]))  # the scan ticks it
    assert page.locator(f"#id_doc_{original.pk}_received").is_checked()
    page.get_by_label(application.name, exact=True).check()
    page.wait_for_function("() => document.querySelector('#intake-preview').innerText.includes('Đã nhận 2/3')")
    preview = page.locator("#intake-preview").inner_text()
    assert "Đã nhận đủ giấy tờ bắt buộc" in preview
    assert "10.000 đ" in preview  # 10.000 đồng per case
    appointment = re.search(r"\d{2}:\d{2}.*\d{2}/\d{2}/\d{4}", preview)
    assert "Hẹn trả kết quả" in preview and appointment, preview
    check_page(page)
    shoot(page, "desk-day-2-intake")

    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    page.wait_for_url("**/backoffice/reception/done/**")
    code = page.locator("#dossier-code").inner_text().strip()
    assert CODE_RE.match(code), code
    assert page.get_by_role("heading", level=1).inner_text() == "Đã tiếp nhận hồ sơ"
    assert page.locator("#intake-counter").inner_text() == "2 · Quầy Chứng thực"
    assert "10.000 đ" in page.locator("main").inner_text()
    check_page(page)
    shoot(page, "desk-day-3-received")

    # The receipt (Mẫu 01) is a PDF with the code, the applicant and the appointment.
    receipt = page.get_by_role("link", name=re.compile("In Giấy tiếp nhận hồ sơ và hẹn trả kết quả"))
    response = page.request.get(receipt.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    receipt_text = pdf_text(response.body())
    assert code in receipt_text and APPLICANT in receipt_text

    # ---- 2. The reception officer hands it over to the specialist -------------------------------------------
    page.get_by_role("link", name="Mở hồ sơ").click()
    page.wait_for_url(f"**/backoffice/dossiers/{code}/")
    timeline = page.locator(".dossier-timeline").inner_text()
    assert "Tiếp nhận hồ sơ" in timeline and "Quầy" in timeline
    assert "hand_over" in shown_actions(page)
    hand_over_to(page, code, "Spec_A")

    # ---- 3. The specialist: from the worklist ("mine") to the leader -----------------------------------------
    sign_in_as(page, "spec_a")
    open_from_worklist(page, code, "Của tôi")
    check_page(page)
    shoot(page, "desk-day-4-specialist-worklist")
    page.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/backoffice/dossiers/{code}/")
    assert "Đang xử lý" in badges(page)
    # The scan attached at the counter is in the in-page viewer.
    page.get_by_role("link", name=f"Xem tệp 1 của {original.name}").click()
    page.locator("#viewer iframe").wait_for()
    page.wait_for_timeout(2500)  # let Chromium's PDF viewer draw the page before the screenshot
    shoot(page, "desk-day-5-specialist-dossier")
    hand_over_to(page, code, "Lead_A")

    # ---- 4. The leader approves from the worklist, then hands it on to the clerk ----------------------------
    sign_in_as(page, "lead_a")
    open_from_worklist(page, code, "Chờ phê duyệt")
    page.get_by_label(f"Chọn hồ sơ {code}").check()
    shoot(page, "desk-day-6-leader-approval")
    page.get_by_role("button", name="Phê duyệt các hồ sơ đã chọn").click()
    assert f"Đã phê duyệt 1 hồ sơ: {code}." in page.locator(".message--success").inner_text()
    page.goto(f"/backoffice/dossiers/{code}/")
    assert "approve" not in shown_actions(page)
    hand_over_to(page, code, "Clerk_A")

    # ---- 5. The clerk: to the return step, and records the electronic result -------------------------------
    sign_in_as(page, "clerk_a")
    open_from_worklist(page, code, "Của tôi")
    page.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/backoffice/dossiers/{code}/")
    hand_over_to(page, code, None)
    panel = open_action(page, "record_result")
    panel.get_by_label("Bản điện tử (tải tệp lên)").check()
    panel.get_by_label("Tệp kết quả (PDF, JPEG, PNG, DOCX hoặc XLSX)").set_input_files(str(desk_day["result"]))
    panel.get_by_label("Ghi chú").fill("Đã chứng thực chữ ký, số chứng thực 125/SCT")
    shoot(page, "desk-day-7-record-result")
    panel.get_by_role("button", name="Cập nhật kết quả giải quyết").click()
    page.wait_for_url("**?done=record_result#done")
    assert "Đã xử lý xong" in badges(page)
    assert page.get_by_role("link", name="Xem tệp kết quả").first.is_visible()

    # ---- 6. The return desk: the code typed like a wedge scanner, hand over with the receiver ----------------
    sign_in_as(page, "recep_a")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Trả kết quả").click()
    page.wait_for_url("**/backoffice/returns/")
    assert page.evaluate("document.activeElement.id") == "scan-input"
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    assert page.evaluate("document.activeElement.name") == "receiver_name"
    page.keyboard.type("Trần Thị Bình")
    page.get_by_label("Số định danh cá nhân (CCCD) của người nhận").fill("036185001122")
    page.get_by_label("Người được ủy quyền").check()
    check_page(page)
    shoot(page, "desk-day-8-return-desk")
    page.get_by_role("button", name="Trao kết quả").click()
    page.wait_for_url(f"**/backoffice/returns/?done={code}")
    assert f"Đã trao kết quả hồ sơ {code} cho Trần Thị Bình." in page.get_by_role("status").first.inner_text()

    # ---- 7. Returned: on the dossier page ... --------------------------------------------------------------
    page.goto(f"/backoffice/dossiers/{code}/")
    assert "Đã trả kết quả" in badges(page)
    timeline = page.locator(".dossier-timeline").inner_text()
    assert "Trần Thị Bình" in timeline and "••••••••1122" in timeline
    check_page(page)
    shoot(page, "desk-day-9-dossier-returned")
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == 10 and dossier.returned_at is not None
    assert list(DossierEvent.objects.filter(dossier=dossier).order_by("seq").values_list("action", flat=True)) == [
        "receive", "hand_over", "hand_over", "approve", "hand_over", "hand_over", "record_result", "return_result"]

    # ... in the ledger of counter 2 (and not in counter 1's) ...
    today = timezone.localdate().isoformat()
    ledger = {n: pdf_text(page.request.get(
        f"/backoffice/ledger.pdf?unit={UNIT_A}&counter={n}&from={today}&to={today}").body()) for n in (1, 2)}
    assert code in ledger[2] and code not in ledger[1]

    # ... and on the public lookup page, with the name masked and no ID number.
    page.context.clear_cookies()
    page.goto("/lookup/")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_role("button", name="Tra cứu").click()
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    result = page.locator("main").inner_text()
    assert "Đã trả kết quả" in result and "Nguyễn V** A*" in result
    assert APPLICANT not in result and ID_NUMBER not in page.content()
    check_page(page)
    shoot(page, "desk-day-10-public-lookup")
