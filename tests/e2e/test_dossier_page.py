"""The dossier page in headless Chromium: specialist → leader → clerk → return desk, a supplement round-trip,
an apology with a new date, every action form (screenshots), and no way to act beyond one's actions."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.dossiers.services import ActionParams, ApplicantData, ComponentData, create_dossier, perform
from tests.backoffice.test_dossier_page import desk, receive, to_resolved  # noqa: F401 - fixture
from tests.e2e.test_officer_journey import check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-Word-123"


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scanned_page(title: str, lines: list[str], size: tuple[int, int] = (840, 1188)) -> Any:
    """A plausible scanned A4 page (an image with Vietnamese text), made with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.truetype(FONT, 30), ImageFont.truetype(FONT, 20)
    draw.text((size[0] // 2, 80), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=small, fill="black", anchor="mm")
    draw.text((size[0] // 2, 110), "Độc lập - Tự do - Hạnh phúc", font=small, fill="black", anchor="mm")
    draw.text((size[0] // 2, 200), title, font=big, fill="black", anchor="mm")
    for i, line in enumerate(lines):
        draw.text((80, 280 + 40 * i), line, font=small, fill=(30, 30, 30))
    return image


def scanned_files() -> tuple[bytes, bytes]:
    """(a PDF of the application form, a PNG of a certificate): files the viewer shows."""
    pdf, png = io.BytesIO(), io.BytesIO()
    scanned_page("TỜ KHAI ĐỀ NGHỊ", ["Họ và tên: Nguyễn Văn An", "Số định danh cá nhân: 001203004567",
                                    "Nơi cư trú: 3 Quang Trung, xã An Bình"]).save(pdf, "PDF", resolution=100)
    scanned_page("GIẤY XÁC NHẬN", ["Xác nhận ông Nguyễn Văn An", "cư trú tại xã An Bình."],
                 (840, 600)).save(png, "PNG")
    return pdf.getvalue(), png.getvalue()


def receive_with_scans(desk: Any) -> Dossier:  # noqa: F811
    pdf, png = scanned_files()
    return create_dossier(
        actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"], channel=Channel.DIRECT,
        applicant=ApplicantData(name="Nguyễn Văn An", id_number="001203004567", phone="0912345678",
                                email="an@example.org", address="3 Quang Trung"),
        components=[ComponentData(name="Tờ khai đề nghị", files=[io.BytesIO(pdf)]),
                    ComponentData(name="Giấy xác nhận", files=[io.BytesIO(png)]),
                    ComponentData(name="Bản sao giấy khai sinh")],
    )


def sign_in_as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)
    page.wait_for_url("**/backoffice/")


def open_dossier(page: Any, code: str) -> None:
    page.goto(f"/backoffice/dossiers/{code}/")
    assert page.get_by_role("heading", level=1).inner_text() == code


def shown_actions(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("details.action", "els => els.map(e => e.id.replace('action-', ''))"))


def open_action(page: Any, name: str) -> Any:
    """Open an action panel with the keyboard (Tab target + Enter), as an officer at the desk would."""
    panel = page.locator(f"#action-{name}")
    panel.locator("summary").focus()
    page.keyboard.press("Enter")
    assert panel.evaluate("el => el.open")
    return panel


def shoot_panel(shoot: Any, page: Any, name: str, shot: str) -> None:
    shoot.directory.mkdir(parents=True, exist_ok=True)
    page.locator(f"#action-{name}").screenshot(path=str(shoot.directory / f"{shot}.png"))


def csrf_post(page: Any, url: str, form: dict[str, str]) -> Any:
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    return page.request.post(url, form={"csrfmiddlewaretoken": token, **form})


def test_specialist_leader_clerk_then_return_desk(page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    d = receive_with_scans(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")

    # Specialist: the page, the viewer, then hand over to the leader step.
    sign_in_as(page, "spec_a")
    open_dossier(page, d.code)
    badges = page.get_by_role("list", name="Trạng thái và tiến độ").inner_text()
    assert "Đang xử lý" in badges and "Trong hạn" in badges
    assert "001203004567" in page.locator("main").inner_text()
    assert shown_actions(page) == {"request_supplement", "assign", "hand_over", "send_back", "request_payment"}
    check_page(page)
    shoot(page, "dossier-page")
    shoot.printed(page, "dossier-page")

    page.get_by_role("link", name="Xem tệp 1 của Tờ khai đề nghị").click()
    frame = page.locator("#viewer iframe")
    frame.wait_for()
    assert frame.get_attribute("title") == "Tệp PDF: Tờ khai đề nghị"
    assert "?view=" in page.url
    page.wait_for_timeout(2500)  # let Chromium's PDF viewer draw the page before the screenshot
    shoot(page, "dossier-viewer-pdf")
    # From the keyboard (headless Chromium's PDF plugin keeps swallowing mouse clicks once it has drawn).
    page.get_by_role("link", name="Xem tệp 1 của Giấy xác nhận").focus()
    page.keyboard.press("Enter")
    image = page.get_by_role("img", name="Ảnh quét: Giấy xác nhận")
    image.wait_for()
    # decode() waits until the image has loaded (and fails if it cannot): the element is there before its bytes
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 840
    shoot(page, "dossier-viewer-image")

    panel = open_action(page, "hand_over")
    panel.get_by_label("Cán bộ").select_option(label="Lead_A")
    panel.get_by_label("Ghi chú").fill("Đề nghị lãnh đạo phê duyệt")
    shoot_panel(shoot, page, "hand_over", "dossier-form-hand_over")
    panel.get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_url(f"**/backoffice/dossiers/{d.code}/?done=hand_over#done")
    done = page.locator("#done")
    assert "Đã thực hiện “Chuyển bước tiếp theo”" in done.inner_text()
    assert done.get_by_role("link", name="In: Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)").get_attribute(
        "href") == f"/backoffice/dossiers/{d.code}/forms/06.pdf"
    shoot(page, "dossier-after-hand-over")

    # Leader: approve, then hand over to the clerk.
    sign_in_as(page, "lead_a")
    open_dossier(page, d.code)
    assert "Lead_A" in page.locator(".steps").inner_text()
    panel = open_action(page, "approve")
    shoot_panel(shoot, page, "approve", "dossier-form-approve")
    panel.get_by_role("button", name="Phê duyệt").click()
    page.wait_for_url("**?done=approve#done")
    assert "approve" not in shown_actions(page)
    open_action(page, "hand_over").get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_url("**?done=hand_over#done")

    # Clerk: no approve button, and a forged POST of it is refused.
    sign_in_as(page, "clerk_a")
    open_dossier(page, d.code)
    assert "approve" not in shown_actions(page) and "stop" not in shown_actions(page)
    forged = csrf_post(page, f"/backoffice/dossiers/{d.code}/actions/stop/", {"stop-note": "x"})
    assert forged.status == 403
    assert Dossier.objects.get(pk=d.pk).status == 4
    open_action(page, "hand_over").get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_url("**?done=hand_over#done")
    panel = open_action(page, "record_result")
    panel.get_by_role("button", name="Cập nhật kết quả giải quyết").click()  # nothing chosen: told what to do
    page.wait_for_load_state()
    panel = page.locator("#action-record_result")
    assert panel.evaluate("el => el.open")
    assert "Chọn kết quả là bản điện tử hay bản giấy." in panel.inner_text()
    shoot_panel(shoot, page, "record_result", "dossier-form-record_result-error")
    panel.get_by_label("Bản giấy").check()
    panel.get_by_label("Ghi chú").fill("Giấy xác nhận khuyết tật số 12/GXN")
    panel.get_by_role("button", name="Cập nhật kết quả giải quyết").click()
    page.wait_for_url("**?done=record_result#done")
    assert "Đã xử lý xong" in page.get_by_role("list", name="Trạng thái và tiến độ").inner_text()
    timeliness = page.locator("[data-timeliness]").get_attribute("data-timeliness")
    assert timeliness == "early"
    assert "Trước hạn" in page.locator(".steps").inner_text()
    shoot(page, "dossier-resolved")

    # Reception at the return desk: type the code like a keyboard-wedge scanner (code + Enter).
    sign_in_as(page, "recep_a")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Trả kết quả").click()
    page.wait_for_url("**/backoffice/returns/")
    assert page.evaluate("document.activeElement.id") == "scan-input"
    check_page(page)
    shoot(page, "return-desk")
    page.keyboard.type(d.code.lower())
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Hồ sơ {d.code}").wait_for()
    assert page.evaluate("document.activeElement.name") == "receiver_name"
    assert "Bản giấy" in page.locator(".return-card").inner_text()
    check_page(page)
    shoot(page, "return-desk-ready")
    page.get_by_role("button", name="Trao kết quả").click()
    page.get_by_text("Nhập họ và tên người nhận kết quả.").first.wait_for()
    shoot(page, "return-desk-errors")
    page.get_by_label("Họ và tên người nhận kết quả").fill("Nguyễn Văn An")
    page.get_by_label("Số định danh cá nhân (CCCD) của người nhận").fill("001203004567")
    page.get_by_label("Chính người nộp hồ sơ").check()
    page.get_by_role("button", name="Trao kết quả").click()
    page.wait_for_url(f"**/backoffice/returns/?done={d.code}")
    assert f"Đã trao kết quả hồ sơ {d.code} cho Nguyễn Văn An." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("link", name="In: Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)").is_visible()
    assert page.evaluate("document.activeElement.id") == "scan-input"  # ready for the next one
    shoot(page, "return-desk-done")
    d.refresh_from_db()
    assert d.status == 10
    payload = DossierEvent.objects.filter(dossier=d).latest("seq").payload
    assert payload["receiver_name"] == "Nguyễn Văn An" and payload["receiver_relationship"] == "self"

    page.get_by_role("link", name="Mở trang hồ sơ").click()
    timeline = page.locator(".timeline").inner_text()
    assert "Trả kết quả" in timeline and "Nguyễn Văn An (Chính người nộp hồ sơ)" in timeline
    assert "••••••••4567" in timeline
    assert [e.action for e in DossierEvent.objects.filter(dossier=d).order_by("seq")] == [
        "receive", "hand_over", "hand_over", "approve", "hand_over", "hand_over", "record_result", "return_result"]


def test_supplement_round_trip(page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    sign_in_as(page, "spec_a")
    open_dossier(page, d.code)
    panel = open_action(page, "request_supplement")
    panel.get_by_role("button", name="Yêu cầu bổ sung, hoàn thiện hồ sơ").click()
    page.wait_for_load_state()
    panel = page.locator("#action-request_supplement")
    assert "Đánh dấu thành phần hồ sơ cần bổ sung" in panel.inner_text()
    assert page.get_by_role("alert").first.is_visible()
    panel.get_by_label("Bản sao giấy khai sinh", exact=True).check()
    panel.get_by_label("Giấy tờ khác hoặc nội dung cần sửa đổi (mỗi dòng một nội dung)").fill("Giấy khám sức khỏe")
    panel.get_by_label("Hướng dẫn cho người nộp hồ sơ").fill("Nộp bổ sung tại Bộ phận Một cửa")
    shoot_panel(shoot, page, "request_supplement", "dossier-form-request_supplement")
    panel.get_by_role("button", name="Yêu cầu bổ sung, hoàn thiện hồ sơ").click()
    page.wait_for_url("**?done=request_supplement#done")
    done = page.locator("#done")
    assert done.get_by_role("link", name="In: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)").get_attribute(
        "href") == f"/backoffice/dossiers/{d.code}/forms/02.pdf"
    assert "Chờ bổ sung" in page.get_by_role("list", name="Trạng thái và tiến độ").inner_text()
    assert "tạm dừng tính thời gian từ" in page.locator(".dossier-facts").inner_text()
    timeline = page.locator(".timeline").inner_text()
    assert "- Bản sao giấy khai sinh" in timeline and "- Giấy khám sức khỏe" in timeline
    assert shown_actions(page) == set()  # nothing for a specialist while the applicant supplements
    shoot(page, "dossier-awaiting-supplement")
    due_before = Dossier.objects.get(pk=d.pk).due_at

    # The applicant supplements (through the service, as the portal would).
    perform(actor=desk["reception"], code=d.code, action="supplement", params=ActionParams(as_applicant=True))

    page.reload()
    assert "Đang xử lý" in page.get_by_role("list", name="Trạng thái và tiến độ").inner_text()
    assert "Cập nhật hồ sơ đã bổ sung" in page.locator(".timeline").inner_text()
    assert "hand_over" in shown_actions(page)
    open_action(page, "hand_over").get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_url("**?done=hand_over#done")
    d.refresh_from_db()
    assert d.status == 4 and d.current_step == 2 and d.due_at >= due_before
    shoot(page, "dossier-after-supplement")


def test_apology_with_a_new_date(page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    d = receive(desk)
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    d.refresh_from_db()
    sign_in_as(page, "lead_a")
    open_dossier(page, d.code)
    panel = open_action(page, "apologise")
    too_early = timezone.localtime(d.due_at - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    panel.get_by_label("Ngày, giờ hẹn trả kết quả mới").fill(too_early)
    panel.get_by_label("Lý do chậm trễ").fill("Chờ kết quả xác minh của cơ quan liên quan")
    panel.get_by_role("button", name="Xin lỗi và hẹn lại ngày trả kết quả").click()
    alert = page.locator("#error")
    alert.wait_for()
    assert "Ngày hẹn trả mới phải sau ngày hẹn hiện tại." in alert.inner_text()
    assert page.locator("#action-apologise").evaluate("el => el.open")
    shoot(page, "dossier-refused-action")
    assert not Dossier.objects.get(pk=d.pk).apologised

    new = timezone.localtime(d.due_at + timedelta(days=5)).replace(hour=9, minute=30, second=0, microsecond=0)
    panel = page.locator("#action-apologise")
    panel.get_by_label("Ngày, giờ hẹn trả kết quả mới").fill(new.strftime("%Y-%m-%dT%H:%M"))
    shoot_panel(shoot, page, "apologise", "dossier-form-apologise")
    panel.get_by_role("button", name="Xin lỗi và hẹn lại ngày trả kết quả").click()
    page.wait_for_url("**?done=apologise#done")
    assert page.locator("#done").get_by_role("link", name="In: Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)") \
        .get_attribute("href") == f"/backoffice/dossiers/{d.code}/forms/04.pdf"
    facts = page.locator(".dossier-facts").inner_text()
    assert new.strftime("%H:%M %d/%m/%Y") in facts and "Ngày hẹn mới (sau xin lỗi)" in facts
    assert "Đã xin lỗi và hẹn lại" in page.get_by_role("list", name="Trạng thái và tiến độ").inner_text()
    assert "apologise" not in shown_actions(page)
    shoot(page, "dossier-after-apology")
    d.refresh_from_db()
    assert d.apologised and d.promised_due_at == new


def test_every_action_form_renders_and_validates(page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    """Screenshots of each action's form (opened), with a validation error for the ones with required fields."""
    d = receive(desk)
    online = create_dossier(actor=desk["reception"], procedure=desk["proc"], receiving_unit=desk["t"]["a"],
                            channel=Channel.ONLINE, applicant=ApplicantData(name="Lê Văn Cường"))
    resolved = receive(desk)
    to_resolved(desk, resolved)
    paying = receive(desk)
    perform(actor=desk["reception"], code=paying.code, action="hand_over")
    perform(actor=desk["specialist"], code=paying.code, action="request_payment",
            params=ActionParams(amount=250000, reason="Lệ phí"))

    sign_in_as(page, "recep_a")
    open_dossier(page, d.code)
    # Interconnected hand-over: choosing another unit reloads the officer list (htmx) with that unit's people.
    panel = open_action(page, "hand_over")
    holder = panel.get_by_label("Cán bộ")
    assert "Spec_A" in holder.inner_text() and "Spec_B" not in holder.inner_text()
    panel.get_by_label("Đơn vị xử lý bước tiếp theo").select_option(label="— UBND xã Bình Minh")
    page.wait_for_function("() => document.querySelector('#id_hand_over-holder').textContent.includes('Spec_B')")
    assert "Spec_A" not in holder.inner_text()
    for name in ("assign", "withdraw"):
        open_action(page, name)
        shoot_panel(shoot, page, name, f"dossier-form-{name}")
    open_dossier(page, online.code)
    assert shown_actions(page) >= {"accept", "refuse", "request_supplement"}
    panel = open_action(page, "refuse")
    panel.get_by_role("button", name="Từ chối tiếp nhận hồ sơ").click()
    page.locator("#action-refuse .field__error").wait_for()
    shoot_panel(shoot, page, "refuse", "dossier-form-refuse-error")
    open_action(page, "accept")
    shoot_panel(shoot, page, "accept", "dossier-form-accept")
    open_dossier(page, resolved.code)
    panel = open_action(page, "return_result")
    panel.get_by_label("Qua dịch vụ bưu chính công ích").check()
    panel.get_by_role("button", name="Trả kết quả").click()
    page.locator("#action-return_result .field__error").wait_for()
    assert "Nhập mã vận đơn của bưu gửi." in page.locator("#action-return_result").inner_text()
    shoot_panel(shoot, page, "return_result", "dossier-form-return_result-error")

    sign_in_as(page, "clerk_a")
    open_dossier(page, paying.code)
    assert "250.000 đồng" in page.locator(".timeline").inner_text()
    open_action(page, "record_payment")
    shoot_panel(shoot, page, "record_payment", "dossier-form-record_payment")

    sign_in_as(page, "lead_a")
    perform(actor=desk["reception"], code=d.code, action="hand_over")
    perform(actor=desk["specialist"], code=d.code, action="hand_over")
    open_dossier(page, d.code)
    for name in ("send_back", "request_payment", "stop"):
        panel = open_action(page, name)
        panel.locator("button[type=submit]").click()
        page.locator(f"#action-{name} .field__error").first.wait_for()
        shoot_panel(shoot, page, name, f"dossier-form-{name}-error")
    assert not page.locator("#action-request_payment").evaluate("el => el.open")  # only the failed one is open
    panel = open_action(page, "request_payment")
    panel.get_by_label("Số tiền phải nộp (đồng)").fill("500000")
    panel.get_by_label("Nội dung nghĩa vụ tài chính (thuế, phí, lệ phí…)").fill("Lệ phí cấp giấy")
    panel.locator("button[type=submit]").click()
    page.wait_for_url("**?done=request_payment#done")
    assert "500.000 đồng" in page.locator(".timeline").inner_text()
    check_page(page)
    shoot(page, "dossier-awaiting-payment")
