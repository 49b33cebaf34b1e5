"""Forms 01–07 as PDF: one reference test per form on its text, the QR code, sizes, permissions, 404s.

Every PDF page is also rendered to PNG under test-artifacts/forms/ (look at them after a change).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.dossiers.models import DossierEvent
from motcua.dossiers.printing.pdf import lookup_url
from motcua.dossiers.services import ActionParams, perform
from tests.printing.scenarios import (
    APOLOGY_REASON,
    APPLICANT,
    REFUSAL_REASON,
    STOP_REASON,
    at,
    receive,
)
from tests.printing.support import page_sizes_mm, pdf_images, pdf_text, qr_codes

pytestmark = pytest.mark.django_db

A5, A4, A4_LANDSCAPE = (148, 210), (210, 297), (297, 210)
HEADER = ("UBND TỈNH THỬ NGHIỆM", "UBND XÃ AN BÌNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Độc lập - Tự do - Hạnh phúc")
PERSONAL = ("001203004567",)  # the ID number is never printed


def clock(moment) -> str:
    m = timezone.localtime(moment)
    return f"{m:%H} giờ {m:%M} phút, ngày {m:%d/%m/%Y}"


def get_pdf(client: Client, code: str, form: str, name: str, **params: str) -> str:
    response = client.get(f"/backoffice/dossiers/{code}/forms/{form}.pdf", params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith(f'inline; filename="{code}-mau-{form}-')
    content = response.content
    pdf_images(content, name)
    text = pdf_text(content)
    for line in HEADER:
        assert line in text, line
    assert code in text
    for secret in PERSONAL:
        assert secret not in text
    get_pdf.sizes = page_sizes_mm(content)  # type: ignore[attr-defined]
    return text


@pytest.fixture
def as_reception(client: Client, desk) -> Client:
    client.force_login(desk["reception"])
    return client


def test_01_receipt_and_appointment(as_reception: Client, returned) -> None:
    text = get_pdf(as_reception, returned.code, "01", "01-receipt")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "An Bình, ngày 06 tháng 4 năm 2026" in text  # place and date of the receipt
    assert f"Tiếp nhận hồ sơ của: {APPLICANT}" in text  # the applicant's own slip: the full name
    assert "Xác định, xác định lại mức độ khuyết tật" in text
    assert "Tờ khai đăng ký (theo mẫu) Bản chính 1" in text
    assert "Bản sao giấy chứng nhận khuyết tật Bản sao chứng thực 2" in text
    assert "Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 06/04/2026" in text
    assert f"Thời gian trả kết quả giải quyết hồ sơ: {clock(returned.due_at)}" in text
    assert "Phí, lệ phí: 50.000 đồng" in text
    assert "Đăng ký nhận kết quả: Tại Bộ phận Tiếp nhận và Trả kết quả" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Recep_A" in text
    assert get_pdf.sizes[0] == A5  # type: ignore[attr-defined]


def test_02_supplement_request_lists_what_is_missing(as_reception: Client, returned) -> None:
    text = get_pdf(as_reception, returned.code, "02", "02-supplement")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "An Bình, ngày 07 tháng 4 năm 2026" in text
    assert "Vào lúc 08 giờ 00 phút, ngày 07/04/2026, UBND xã An Bình đề nghị Ông/Bà bổ sung" in text
    # One item per line of the request's reason.
    assert "1. Thiếu giấy khám sức khỏe" in text
    assert "2. Bản sao giấy khai sinh chưa được chứng thực" in text
    assert "NGƯỜI HƯỚNG DẪN" in text and "Spec_A" in text and "0226 3861 001" in text
    assert get_pdf.sizes == [A5]  # type: ignore[attr-defined]


def test_02_with_a_list_of_documents_and_a_reason(as_reception: Client, desk) -> None:
    d = receive(desk, at(6, 8))
    perform(actor=desk["reception"], code=d.code, action="request_supplement", now=at(6, 9),
            params=ActionParams(missing=("Giấy ủy quyền", "Ảnh 4x6"), reason="Người nộp không phải chủ hồ sơ"))
    text = get_pdf(as_reception, d.code, "02", "02-supplement-list")
    assert "1. Giấy ủy quyền 2. Ảnh 4x6" in text
    assert "Lý do: Người nộp không phải chủ hồ sơ" in text


def test_03_refusal_with_its_reason(as_reception: Client, refused) -> None:
    text = get_pdf(as_reception, refused.code, "03", "03-refusal")
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Tiếp nhận hồ sơ của: Trần Văn Bình" in text
    assert REFUSAL_REASON in text
    assert "Xin thông báo để Ông/Bà được biết và thực hiện" in text
    assert get_pdf.sizes == [A5]  # type: ignore[attr-defined]


def test_04_apology_with_the_old_and_new_dates(as_reception: Client, apologised) -> None:
    text = get_pdf(as_reception, apologised.code, "04", "04-apology")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert f"Kính gửi: {APPLICANT}" in text
    assert "Ngày 06 tháng 4 năm 2026, UBND xã An Bình tiếp nhận" in text
    assert f"Thời hạn trả kết quả: {clock(apologised.original_due_at)}" in text
    assert clock(apologised.promised_due_at) in text
    assert apologised.promised_due_at == apologised.original_due_at + timedelta(days=3)
    assert f"Lý do: {APOLOGY_REASON}" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Lead_A" in text


def test_05_stop_notice_with_its_reason(as_reception: Client, stopped) -> None:
    text = get_pdf(as_reception, stopped.code, "05", "05-stop")
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "An Bình, ngày 07 tháng 4 năm 2026" in text
    assert "dừng giải quyết hồ sơ nêu trên kể từ 15 giờ 45 phút, ngày 07/04/2026" in text
    assert STOP_REASON in text


def test_06_process_control_sheet_has_one_row_per_hand_over(as_reception: Client, returned) -> None:
    text = get_pdf(as_reception, returned.code, "06", "06-control-sheet")
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert get_pdf.sizes[0] == A4  # type: ignore[attr-defined]
    # Rows in order: receipt, hand-overs (with the step handed on), supplement round trip, result, return.
    order = [
        "1 Nguyễn Thị Hồng Nhung UBND xã An Bình Recep_A 06/04/2026 08:00",
        "2 Bước 1: Tiếp nhận, kiểm tra hồ sơ UBND xã An Bình Recep_A Bước 2: Thẩm định, xử lý hồ sơ "
        "UBND xã An Bình Spec_A 06/04/2026 09:00",
        "3 Bước 2: Thẩm định, xử lý hồ sơ UBND xã An Bình Spec_A Nguyễn Thị Hồng Nhung 07/04/2026 08:00",
        "Yêu cầu bổ sung hồ sơ: Thiếu giấy khám sức khỏe Bản sao giấy khai sinh chưa được chứng thực",
        "4 Nguyễn Thị Hồng Nhung Bước 2: Thẩm định, xử lý hồ sơ UBND xã An Bình 08/04/2026 08:00",
        "5 Bước 2: Thẩm định, xử lý hồ sơ UBND xã An Bình Spec_A Bước 3: Phê duyệt kết quả",
        "Bước 5: Trả kết quả UBND xã An Bình Recep_A UBND xã An Bình 09/04/2026 14:00",
        "Có kết quả giải quyết (bản giấy)",
        "UBND xã An Bình Recep_A Nguyễn Thị Hồng Nhung 10/04/2026 08:00",
        "Đã trả kết quả (Tại Bộ phận Tiếp nhận và Trả kết quả)",
    ]
    positions = [text.find(part) for part in order]
    assert all(p >= 0 for p in positions), [o for o, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # The returned dossier is judged against its appointment: early.
    assert "Trạng thái: Đã trả kết quả — Trước hạn" in text
    rows = DossierEvent.objects.filter(dossier=returned).exclude(action="approve").count()
    assert f"{rows} UBND xã An Bình Recep_A Nguyễn Thị Hồng Nhung" in text  # one row per event but approve
    assert "Đang xử lý" not in text  # nothing in progress any more


def test_06_judges_each_hand_over_against_the_step_due_time(as_reception: Client, desk) -> None:
    d = receive(desk, at(6, 8))
    step_due = d.steps.get(index=0).due_at
    perform(actor=desk["reception"], code=d.code, action="hand_over", now=step_due + timedelta(hours=1))
    second_due = d.steps.get(index=1).due_at
    text = get_pdf(as_reception, d.code, "06", "06-late-step")
    local = timezone.localtime(step_due)
    assert f"{local:%d/%m/%Y %H:%M} Trễ hạn Chuyển xử lý" in text
    # The step now in progress, with its own due time and whether it is still in time.
    assert f"{timezone.localtime(second_due):%d/%m/%Y %H:%M}" in text and "Đang xử lý" in text


def test_07_ledger_of_a_desk_for_a_period(as_reception: Client, returned, apologised, stopped, refused, desk) -> None:
    other = receive(desk, at(6, 8), unit="b")  # another desk: never in A's ledger
    later = receive(desk, at(20, 8))  # outside the period
    response = as_reception.get("/backoffice/ledger.pdf",
                                {"unit": "000.10.01.H12", "from": "2026-04-01", "to": "2026-04-10"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="so-theo-doi-000.10.01.H12-20260401-20260410.pdf"'
    pdf_images(response.content, "07-ledger")
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 01/04/2026 đến ngày 10/04/2026" in text
    assert "Hồ sơ thứ 1–3 trong tổng số 3" in text
    codes = [returned.code, apologised.code, stopped.code]
    positions = [text.find(f"{n} {code}") for n, code in enumerate(codes, start=1)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert refused.code not in text  # never received
    assert other.code not in text and later.code not in text
    assert "06/04/2026 08:00" in text and "10/04/2026 08:00 Đã trả kết quả Trước hạn" in text
    assert "Dừng xử lý" in text and APPLICANT in text
    assert page_sizes_mm(response.content)[0] == A4_LANDSCAPE


def test_07_counter_narrows_to_dossiers_received_there(as_reception: Client, desk) -> None:
    from motcua.core.models import Counter

    one = Counter.objects.create(unit=desk["t"]["a"], number=1, name="Quầy Hộ tịch")
    two = Counter.objects.create(unit=desk["t"]["a"], number=2, name="Quầy Tư pháp")
    # A counter reception records its counter number in the receipt event.
    first, second = receive(desk, at(6, 8), counter=one), receive(desk, at(6, 9), counter=two)
    assert DossierEvent.objects.get(dossier=second, seq=1).payload["counter"] == 2
    response = as_reception.get("/backoffice/ledger.pdf",
                                {"unit": "000.10.01.H12", "counter": "2", "from": "06/04/2026", "to": "06/04/2026"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert second.code in text and first.code not in text
    assert "Quầy 2 (Quầy Tư pháp)" in text


def test_qr_code_decodes_to_the_public_lookup_url(as_reception: Client, returned, settings) -> None:
    settings.MOTCUA_PUBLIC_URL = "https://dichvucong.example.gov.vn"
    response = as_reception.get(f"/backoffice/dossiers/{returned.code}/forms/01.pdf")
    images = pdf_images(response.content, "01-qr")
    expected = f"https://dichvucong.example.gov.vn/lookup/?code={returned.code}"
    assert lookup_url(returned.code) == expected
    assert [found for image in images for found in qr_codes(image)] == [expected]
    assert expected in pdf_text(response.content).replace(" ", "")  # printed too (it may wrap)


@pytest.mark.parametrize(("fixture", "form", "message"), [
    ("returned", "03", "không bị từ chối"),
    ("returned", "04", "chưa có xin lỗi"),
    ("returned", "05", "không bị dừng giải quyết"),
    ("refused", "01", "chưa được tiếp nhận"),
    ("stopped", "02", "chưa được yêu cầu bổ sung"),
])
def test_a_form_that_does_not_apply_is_a_404_with_a_clear_message(as_reception: Client, request, fixture, form,
                                                                   message) -> None:
    dossier = request.getfixturevalue(fixture)
    response = as_reception.get(f"/backoffice/dossiers/{dossier.code}/forms/{form}.pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html and dossier.code in html


def test_06_of_a_dossier_refused_at_intake_shows_its_trail(as_reception: Client, refused) -> None:
    text = get_pdf(as_reception, refused.code, "06", "06-refused")
    assert "Thời gian tiếp nhận: Chưa tiếp nhận" in text
    assert "1 Trần Văn Bình UBND xã An Bình 06/04/2026 07:00 — — Nộp hồ sơ trực tuyến" in text
    assert f"2 UBND xã An Bình Recep_A Trần Văn Bình 06/04/2026 10:00 — — Từ chối tiếp nhận: {REFUSAL_REASON}" in text
    assert "Trạng thái: Không được tiếp nhận" in text


def test_unknown_form_number_and_bad_event_number(as_reception: Client, returned) -> None:
    response = as_reception.get(f"/backoffice/dossiers/{returned.code}/forms/07.pdf")
    assert response.status_code == 404 and "Không có mẫu số 07" in response.content.decode()
    response = as_reception.get(f"/backoffice/dossiers/{returned.code}/forms/02.pdf", {"event": "x1"})
    assert response.status_code == 400 and "số nguyên" in response.content.decode()
    # An event number that is not a supplement request of this dossier.
    assert as_reception.get(f"/backoffice/dossiers/{returned.code}/forms/02.pdf", {"event": "1"}).status_code == 404
    assert as_reception.get(f"/backoffice/dossiers/{returned.code}/forms/02.pdf", {"event": "3"}).status_code == 200


@pytest.mark.parametrize("form", ["01", "02", "06"])
def test_an_officer_of_another_commune_gets_404(client: Client, desk, returned, form) -> None:
    client.force_login(desk["reception_b"])
    response = client.get(f"/backoffice/dossiers/{returned.code}/forms/{form}.pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert APPLICANT not in response.content.decode()


def test_anonymous_is_sent_to_login_and_a_monitor_of_the_province_may_print(client: Client, desk, returned) -> None:
    response = client.get(f"/backoffice/dossiers/{returned.code}/forms/01.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/backoffice/ledger.pdf").status_code == 302
    client.force_login(desk["monitor"])
    assert client.get(f"/backoffice/dossiers/{returned.code}/forms/06.pdf").status_code == 200


def test_forms_are_only_read_no_post(as_reception: Client, returned) -> None:
    assert as_reception.post(f"/backoffice/dossiers/{returned.code}/forms/01.pdf").status_code == 405
    assert as_reception.post("/backoffice/ledger.pdf").status_code == 405
