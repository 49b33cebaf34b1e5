"""In headless Chromium: an officer prints the receipt, a citizen follows its QR code to the public lookup;
a form that does not apply says why; the ledger is chosen on its form and downloaded as PDF."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_officer_journey import check_page, log_in
from tests.printing.support import pdf_images, pdf_text, qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-Word-123"


def test_receipt_qr_code_leads_the_citizen_to_the_lookup(page: Any, browser: Any, shoot: Any,
                                                         live_server: Any, settings: Any, desk: Any,
                                                         returned: Any) -> None:
    settings.MOTCUA_PUBLIC_URL = live_server.url
    log_in(page, "recep_a", PASSWORD)
    response = page.request.get(f"/backoffice/dossiers/{returned.code}/forms/01.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf_text(content)
    images = pdf_images(content, "browser-01")
    [url] = [found for image in images for found in qr_codes(image)]
    assert url == f"{live_server.url}/lookup/?code={returned.code}"

    citizen = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="vi-VN")
    try:
        lookup = citizen.new_page()
        lookup.goto(url)
        assert lookup.get_by_role("heading", level=1).inner_text() == "Tra cứu hồ sơ"
        result = lookup.locator("dl.facts").inner_text()
        assert "Đã trả kết quả" in result and "Trước hạn" in result and "Nguyễn T** H*** N****" in result
        assert "Nguyễn Thị Hồng Nhung" not in lookup.content()
        check_page(lookup)
        shoot(lookup, "lookup-found")
        shoot.printed(lookup, "lookup-found")
        # A mistyped code, corrected from the keyboard.
        field = lookup.get_by_label("Mã hồ sơ")
        field.fill("000.10.01.H12-260406-9999")
        field.press("Enter")
        lookup.wait_for_url("**/lookup/?code=000.10.01.H12-260406-9999")
        assert "Không có hồ sơ nào có mã này" in lookup.locator("#lookup-code-error").inner_text()
        assert lookup.get_by_label("Mã hồ sơ").get_attribute("aria-invalid") == "true"
        check_page(lookup)
        shoot(lookup, "lookup-not-found")
    finally:
        citizen.close()


def test_a_form_that_does_not_apply_says_why(page: Any, shoot: Any, desk: Any, returned: Any) -> None:
    log_in(page, "recep_a", PASSWORD)
    response = page.goto(f"/backoffice/dossiers/{returned.code}/forms/03.pdf")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Phiếu từ chối tiếp nhận giải quyết hồ sơ"
    assert "không bị từ chối" in page.get_by_role("alert").inner_text()
    check_page(page)
    shoot(page, "print-form-unavailable")


def test_ledger_chosen_on_its_form_and_opened(page: Any, shoot: Any, desk: Any, returned: Any) -> None:
    log_in(page, "recep_a", PASSWORD)
    page.goto("/backoffice/ledger.pdf")
    page.get_by_label("Bộ phận một cửa (đơn vị)").select_option("000.10.01.H12")
    page.get_by_label("Từ ngày (ngày tiếp nhận)").fill("2026-04-10")
    page.get_by_label("Đến ngày (ngày tiếp nhận)").fill("2026-04-01")
    page.get_by_role("button", name="In sổ theo dõi (PDF)").click()
    page.wait_for_load_state()
    assert "Ngày kết thúc không được trước ngày bắt đầu" in page.get_by_role("alert").inner_text()
    check_page(page)
    shoot(page, "ledger-form-error")
    page.get_by_label("Từ ngày (ngày tiếp nhận)").fill("2026-04-01")
    page.get_by_label("Đến ngày (ngày tiếp nhận)").fill("2026-04-30")
    with page.expect_response(lambda r: "/backoffice/ledger.pdf?" in r.url) as answer:
        page.get_by_role("button", name="In sổ theo dõi (PDF)").click()
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "from=2026-04-01" in response.url and "to=2026-04-30" in response.url
    # Chromium shows the PDF in its viewer; fetch the same address in the same session to read it.
    text = pdf_text(page.request.get(response.url).body())
    assert "SỔ THEO DÕI HỒ SƠ" in text and f"1 {returned.code}" in text
