"""The reception officer's screens in headless Chromium: counter intake and the review of online dossiers."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.dossiers import counter
from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.dossiers.services import ApplicantData, ComponentData, create_dossier
from tests.e2e.test_officer_journey import check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
CODE_RE = re.compile(r"^000\.10\.01\.H12-\d{6}-\d{4}$")


@pytest.fixture
def desk(province_tree: dict[str, Any], make_officer: Any) -> dict[str, Any]:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    return {
        "t": t,
        "reception": make_officer("anbinh.tiepnhan", t["a"], Role.RECEPTION_OFFICER, password=PASSWORD),
        "specialist": make_officer("anbinh.chuyenvien", t["a"], Role.SPECIALIST, password=PASSWORD),
    }


def scan(tmp_path: Path) -> Path:
    path = tmp_path / "to-khai.pdf"
    path.write_bytes(PDF)
    return path


def test_counter_reception_of_a_birth_registration(page: Any, desk: Any, shoot: Any, tmp_path: Path) -> None:
    log_in(page, "anbinh.tiepnhan", PASSWORD)
    page.wait_for_url("**/backoffice/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tiếp nhận tại quầy").click()
    page.wait_for_url("**/backoffice/reception/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tiếp nhận tại quầy"

    # Search as you type, without diacritics; the keyboard moves into the results.
    search = page.get_by_label("Tìm thủ tục mà Bộ phận Một cửa này tiếp nhận")
    assert search.evaluate("el => el === document.activeElement")  # focus starts in the search box
    search.type("khai sinh", delay=20)
    first = page.locator("#procedure-results .procedure-option").first
    page.wait_for_function("() => document.querySelector('#procedure-results .procedure-option__name')"
                           "?.textContent === 'Đăng ký khai sinh'")
    assert "khớp với “khai sinh”" in page.locator("#procedure-results").inner_text()
    check_page(page)
    shoot(page, "reception-picker")
    search.press("ArrowDown")
    assert first.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_url("**procedure=1.001193")
    assert page.get_by_role("heading", name="Đăng ký khai sinh").is_visible()

    # The applicant: a first-time applicant, so the lookup finds nothing.
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("001203004567")
    page.get_by_text("Không có hồ sơ trước với số định danh này").wait_for()
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill("Nguyễn Văn An")
    page.get_by_label("Điện thoại").fill("0912 345 678")
    page.get_by_label("Thư điện tử").fill("an@example.org")
    page.get_by_label("Địa chỉ").fill("12 Lê Lợi, xã An Bình")

    # The checklist: before anything is ticked the preview names the missing mandatory document.
    preview = page.locator("#intake-preview")
    page.wait_for_function("() => document.querySelector('#intake-preview').innerText.includes('Đã nhận 0/2')")
    assert "Còn thiếu giấy tờ bắt buộc" in preview.inner_text()
    documents = counter.required_documents(catalog.procedure_by_code("1.001193").pk)
    form_doc, identity_doc = documents
    # Attaching the scan ticks the document (and marks it digitized once saved).
    page.locator(f"#id_doc_{form_doc.pk}_scan").set_input_files(str(scan(tmp_path)))
    assert page.locator(f"#id_doc_{form_doc.pk}_received").is_checked()
    page.get_by_label(identity_doc.name, exact=True).check()
    page.locator(f"#id_doc_{identity_doc.pk}_form").select_option("original")
    page.wait_for_function("() => document.querySelector('#intake-preview').innerText.includes('Đã nhận 2/2')")
    text = preview.inner_text()
    assert "Đã nhận đủ giấy tờ bắt buộc" in text
    assert "Hẹn trả kết quả" in text and re.search(r"\d{2}:\d{2}", text) and "0 đ" in text
    check_page(page)
    shoot(page, "reception-form")

    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    page.wait_for_url("**/backoffice/reception/done/**")
    code = page.locator("#dossier-code").inner_text().strip()
    assert CODE_RE.match(code), code
    assert page.get_by_role("heading", level=1).inner_text() == "Đã tiếp nhận hồ sơ"
    print_link = page.get_by_role("link", name=re.compile("In Giấy tiếp nhận hồ sơ và hẹn trả kết quả"))
    assert print_link.get_attribute("href") == f"/backoffice/dossiers/{code}/forms/01.pdf"
    assert print_link.evaluate("el => el === document.activeElement")  # Enter prints
    check_page(page)
    shoot(page, "reception-done")

    dossier = Dossier.objects.get(code=code)
    assert dossier.status == 4 and dossier.channel == Channel.DIRECT
    assert dossier.applicant_name == "Nguyễn Văn An" and dossier.applicant_phone == "0912345678"
    components = {c.required_document_id: c for c in dossier.components.all()}
    assert components[form_doc.pk].digitized and components[form_doc.pk].files.count() == 1
    assert components[identity_doc.pk].form == "original" and not components[identity_doc.pk].digitized

    # Next dossier: the same applicant comes back; the ID number fills in the rest.
    page.get_by_role("link", name="Tiếp nhận hồ sơ tiếp theo").click()
    page.get_by_label("Tìm thủ tục mà Bộ phận Một cửa này tiếp nhận").type("chung thuc ban sao", delay=10)
    page.get_by_role("link", name=re.compile("^Chứng thực bản sao từ bản chính")).click()
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("001203004567")
    page.get_by_text("Đã điền sẵn từ hồ sơ trước của người nộp này").wait_for()
    assert page.get_by_label("Họ và tên (hoặc tên tổ chức)").input_value() == "Nguyễn Văn An"
    assert page.get_by_label("Địa chỉ").input_value() == "12 Lê Lợi, xã An Bình"
    # Tiered fee per page: 5 pages = 2 × 2.000 + 3 × 1.000 = 7.000 đ a copy; 2 copies = 14.000 đ.
    page.get_by_label("Số trang mỗi bản").fill("5")
    page.get_by_label("Số bản", exact=True).fill("2")
    page.get_by_label("Số bản", exact=True).press("Tab")
    page.wait_for_function("() => document.querySelector('#intake-preview').innerText.includes('14.000 đ')")
    shoot(page, "reception-fee-preview")

    # Incomplete: record a supplement request instead (form 02).
    page.get_by_text("Chưa đầy đủ: yêu cầu bổ sung, hoàn thiện (Mẫu 02)").click()
    page.get_by_label("Nội dung người nộp cần bổ sung, hoàn thiện").fill("Mang theo bản chính để đối chiếu.")
    page.get_by_role("button", name="Lập phiếu yêu cầu bổ sung").click()
    page.wait_for_url("**/backoffice/reception/done/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Đã yêu cầu bổ sung hồ sơ"
    assert "Mang theo bản chính để đối chiếu." in page.locator("main").inner_text()
    second = page.locator("#dossier-code").inner_text().strip()
    assert page.get_by_role("link", name=re.compile("Mẫu 02")).get_attribute("href") == \
        f"/backoffice/dossiers/{second}/forms/02.pdf"
    shoot(page, "reception-supplement-done")
    assert Dossier.objects.get(code=second).status == 5


def test_validation_messages_in_the_browser(page: Any, desk: Any, shoot: Any) -> None:
    log_in(page, "anbinh.tiepnhan", PASSWORD)
    page.wait_for_url("**/backoffice/")
    page.goto("/backoffice/reception/?procedure=1.001193")
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("12345")
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    alert = page.get_by_role("alert")
    assert "Hồ sơ chưa được lưu" in alert.inner_text()
    assert "Còn 1 giấy tờ bắt buộc chưa nhận" in alert.inner_text()
    main = page.locator("main").inner_text()
    assert "Số định danh cá nhân (CCCD) gồm đúng 12 chữ số" in main
    assert "Nhập họ và tên người nộp hồ sơ." in main
    assert "Bắt buộc: đánh dấu khi đã nhận." in main
    check_page(page)
    shoot(page, "reception-errors")
    assert Dossier.objects.count() == 0


def online(desk: Any, minutes_ago: int, name: str) -> Dossier:
    procedure = catalog.procedure_by_code("1.001193")
    documents = counter.required_documents(procedure.pk)
    return create_dossier(
        actor=None, procedure=procedure, receiving_unit=desk["t"]["a"], channel=Channel.ONLINE,
        now=timezone.now() - timedelta(minutes=minutes_ago),
        applicant=ApplicantData(name=name, id_number="036185001122", email="binh@example.org",
                                phone="0987654321", address="Thôn Đông, xã An Bình"),
        components=[ComponentData(name=documents[0].name, required_document_id=documents[0].pk,
                                  files=[io.BytesIO(PDF)])],
    )


def test_online_review_accept_and_supplement_round_trip(page: Any, desk: Any, shoot: Any) -> None:
    older = online(desk, 90, "Trần Thị Bình")
    newer = online(desk, 30, "Lê Văn Cường")
    log_in(page, "anbinh.tiepnhan", PASSWORD)
    page.wait_for_url("**/backoffice/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hồ sơ trực tuyến").click()
    page.wait_for_url("**/backoffice/online/")
    tabs = page.get_by_role("navigation", name="Danh sách chờ")
    assert re.search(r"Chờ xem xét\s*2", tabs.inner_text())
    rows = page.locator("table tbody tr")
    assert rows.count() == 2 and older.code in rows.nth(0).inner_text()  # oldest first
    check_page(page)
    shoot(page, "online-review-list")

    # Accept the oldest: the applicant, the component in the in-page viewer, then the decision.
    page.get_by_role("link", name=older.code).click()
    page.wait_for_url(f"**/backoffice/online/{older.code}/")
    assert "Trần Thị Bình" in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile("^PDF")).click()
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[name=viewer]'); return f && f.contentWindow.location.href"
        ".includes('/files/'); }")
    check_page(page)
    shoot(page, "online-review-detail")
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    page.wait_for_url(f"**/backoffice/reception/done/{older.code}/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Đã tiếp nhận hồ sơ"
    assert page.get_by_role("link", name=re.compile("Mẫu 01")).get_attribute("href") == \
        f"/backoffice/dossiers/{older.code}/forms/01.pdf"
    shoot(page, "online-review-accepted")
    older.refresh_from_db()
    assert older.status == 4 and older.due_at is not None

    # The other one is incomplete: request a supplement listing what is missing.
    page.get_by_role("link", name="Quay lại danh sách hồ sơ trực tuyến").click()
    page.wait_for_url("**/backoffice/online/")
    assert page.locator("table tbody tr").count() == 1
    page.get_by_role("link", name=newer.code).click()
    identity = counter.required_documents(older.procedure_id)[1].name
    page.get_by_label(identity).check()
    page.get_by_label("Nội dung người nộp cần bổ sung, hoàn thiện").fill("Bổ sung bản chụp CCCD rõ nét.")
    page.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    page.wait_for_url(f"**/backoffice/reception/done/{newer.code}/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Đã yêu cầu bổ sung hồ sơ"
    assert identity in page.locator("main").inner_text()
    shoot(page, "online-review-supplement")
    newer.refresh_from_db()
    assert newer.status == 5

    # The applicant brings the document: record it, and the dossier is back for review; then accept it.
    page.goto("/backoffice/online/?queue=supplement")
    assert re.search(r"Chờ bổ sung\s*1", page.get_by_role("navigation", name="Danh sách chờ").inner_text())
    page.get_by_role("link", name=newer.code).click()
    assert "Bổ sung bản chụp CCCD rõ nét." in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).count() == 0  # not while waiting
    shoot(page, "online-review-waiting")
    page.get_by_role("button", name="Ghi nhận đã bổ sung hồ sơ").click()
    page.wait_for_url(f"**/backoffice/online/{newer.code}/")
    page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    page.wait_for_url(f"**/backoffice/reception/done/{newer.code}/**")
    newer.refresh_from_db()
    assert newer.status == 4
    assert list(DossierEvent.objects.filter(dossier=newer).order_by("seq").values_list("action", flat=True)) == [
        "submit_online", "request_supplement", "supplement", "accept"]


def test_a_specialist_is_refused_in_the_browser(page: Any, desk: Any, shoot: Any) -> None:
    d = online(desk, 10, "Trần Thị Bình")
    log_in(page, "anbinh.chuyenvien", PASSWORD)
    page.wait_for_url("**/backoffice/")
    for url in ("/backoffice/reception/", "/backoffice/online/", f"/backoffice/online/{d.code}/"):
        response = page.goto(url)
        assert response.status == 403, url
        assert "Trần Thị Bình" not in page.content()
    shoot(page, "reception-forbidden")
    # A forged POST from the page (with its CSRF token) is refused too, and changes nothing.
    page.goto("/backoffice/")
    status = page.evaluate(
        """async (url) => {
          const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
          const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}});
          return r.status; }""", f"/backoffice/online/{d.code}/accept/")
    assert status == 403
    d.refresh_from_db()
    assert d.status == 1
