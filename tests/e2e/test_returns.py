"""The return desk in headless Chromium: a keyboard-wedge scan of a QR lookup URL, a dossier not ready,
and the camera: a fake video device shows a printed QR code, jsQR decodes it and the desk finds the dossier."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from motcua.dossiers.models import Dossier
from tests.backoffice.test_dossier_page import desk, receive, to_resolved  # noqa: F401 - fixture
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from tests.e2e.test_dossier_page import PASSWORD, sign_in_as
from tests.e2e.test_officer_journey import check_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def qr_video(path: Path, text: str) -> None:
    """A Y4M clip (what Chromium's fake camera plays) showing `text` as a QR code on white."""
    import segno
    from PIL import Image

    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    qr = Image.open(png).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(5):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def test_wedge_scanner_types_the_lookup_url(page: Any, desk: Any, shoot: Any) -> None:  # noqa: F811
    ready, busy = receive(desk), receive(desk)
    to_resolved(desk, ready)
    sign_in_as(page, "clerk_a")
    page.goto("/backoffice/returns/")
    assert page.evaluate("document.activeElement.id") == "scan-input"
    # A scanner reading the QR on form 01 types the lookup URL, then Enter.
    page.keyboard.type(f"http://motcua.example.gov.vn/lookup/?code={busy.code}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Hồ sơ {busy.code}").wait_for()
    card = page.locator(".return-card").inner_text()
    assert "Chưa thể trả kết quả." in card and "Hồ sơ đang được giải quyết" in card
    assert page.locator(".return-form").count() == 0
    assert page.evaluate("document.activeElement.id") == "scan-input"  # straight on to the next scan
    check_page(page)
    shoot(page, "return-desk-not-ready")

    page.keyboard.type("không phải mã")
    page.keyboard.press("Enter")
    assert "Đây không phải mã hồ sơ." in page.get_by_role("alert").inner_text()
    shoot(page, "return-desk-bad-input")

    page.get_by_label("Mã hồ sơ").fill(ready.code)
    page.keyboard.press("Enter")
    page.get_by_label("Họ và tên người nhận kết quả").fill("Trần Thị Bình")
    page.get_by_label("Số định danh cá nhân (CCCD) của người nhận").fill("036185001122")
    page.get_by_label("Người được ủy quyền").check()
    page.keyboard.press("Enter")  # submits the hand-over form from the keyboard
    page.wait_for_url(f"**/backoffice/returns/?done={ready.code}")
    assert Dossier.objects.get(pk=ready.pk).status == 10
    assert Dossier.objects.get(pk=busy.pk).status == 4


def test_camera_scan_fills_the_code_and_finds_the_dossier(browser: Any, live_server: Any, desk: Any,  # noqa: F811
                                                          shoot: Any, tmp_path: Path) -> None:
    d = receive(desk)
    to_resolved(desk, d)
    video = tmp_path / "qr.y4m"
    qr_video(video, f"{live_server.url}/lookup/?code={d.code}")
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN",
                                     permissions=["camera"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        log_in(page, "recep_a", PASSWORD)
        page.wait_for_url("**/backoffice/")
        page.goto("/backoffice/returns/")
        button = page.get_by_role("button", name="Quét bằng camera")
        assert button.is_visible()
        button.click()
        page.get_by_role("heading", name=f"Hồ sơ {d.code}").wait_for()
        assert "q=http" in page.url and "lookup" in page.url  # the decoded URL went into the input
        assert page.locator("#scanner").is_hidden()  # the camera is off again
        assert page.locator(".return-form").is_visible()
        shoot(page, "return-desk-after-camera")
    finally:
        camera.close()
