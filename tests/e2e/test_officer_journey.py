"""An officer of commune A in real headless Chromium: log in, units (never B), A's detail, language, log out."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.core.domain.permissions import Role
from motcua.core.models import Counter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A_NAME, A_CODE = "UBND xã An Bình", "000.10.01.H12"
B_NAME, B_CODE = "UBND xã Bình Minh", "000.10.02.H12"

AUDIT_JS = """() => {
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !['hidden', 'submit', 'button'].includes(el.type));
  const unlabelled = controls.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map(el => el.outerHTML);
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return {
    lang: document.documentElement.lang,
    mains: document.querySelectorAll('main').length,
    headers: document.querySelectorAll('body > header').length,
    footers: document.querySelectorAll('body > footer').length,
    unlabelled,
    external: [...document.querySelectorAll('script[src], link[href], img[src]')]
      .map(el => el.src || el.href).filter(u => !u.startsWith(location.origin)),
    overflow,
  };
}"""


def check_page(page: Any, lang: str = "vi") -> None:
    """Basic accessibility and layout checks, at desktop width and at 360 px."""
    for size in ({"width": 1280, "height": 800}, {"width": 360, "height": 740}):
        page.set_viewport_size(size)
        result = page.evaluate(AUDIT_JS)
        assert result["lang"] == lang, result
        assert result["mains"] == 1, result
        assert result["headers"] == 1 and result["footers"] == 1, result
        assert result["unlabelled"] == [], result
        assert result["external"] == [], result
        assert result["overflow"] <= 0, f"horizontal scroll at {size['width']} px: {result['overflow']} px"
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def officer_a(province_tree: dict[str, Any], make_officer: Any) -> Any:
    a = province_tree["a"]
    a.address, a.phone = "3 Đường Quang Trung, xã An Bình", "0226 3861 001"
    a.office_hours = {**a.office_hours, "sat": [["07:30", "11:30"]]}
    a.save()
    Counter.objects.create(unit=a, number=1, name="Quầy Tư pháp - Hộ tịch")
    Counter.objects.create(unit=a, number=2, name="Quầy Đất đai - Xây dựng")
    Counter.objects.create(unit=province_tree["b"], number=1, name="Quầy xã Bình Minh")
    return make_officer("anbinh.tiepnhan", a, Role.RECEPTION_OFFICER, Role.SPECIALIST)


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_portal_home_and_skip_link(page: Any, shoot: Any) -> None:
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dịch vụ hành chính công"
    check_page(page)
    shoot(page, "portal-home")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0


def test_bad_login_shows_an_error(page: Any, officer_a: Any, shoot: Any) -> None:
    log_in(page, "anbinh.tiepnhan", "sai-mat-khau")
    alert = page.get_by_role("alert")
    assert "Đăng nhập không thành công" in alert.inner_text()
    check_page(page)
    shoot(page, "login-error")


def test_officer_of_commune_a_journey(page: Any, officer_a: Any, shoot: Any) -> None:
    page.goto("/backoffice/units/")
    assert "/accounts/login/" in page.url
    shoot(page, "login")
    log_in(page, "anbinh.tiepnhan", "pass-Word-123")

    # Back-office home: roles per unit.
    page.wait_for_url("**/backoffice/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Xin chào")
    roles = page.get_by_role("table").inner_text()
    assert A_NAME in roles and "Cán bộ tiếp nhận" in roles
    assert B_NAME not in page.content()
    check_page(page)
    shoot(page, "backoffice-home")

    # Units list: A only, and searching for B finds nothing.
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Đơn vị").click()
    page.wait_for_url("**/backoffice/units/")
    table = page.get_by_role("table")
    assert A_NAME in table.inner_text()
    assert B_NAME not in page.content() and B_CODE not in page.content()
    check_page(page)
    shoot(page, "units-list")
    page.get_by_label("Tìm theo tên hoặc mã đơn vị").fill(B_CODE)  # htmx search as you type
    page.get_by_text("Không có đơn vị nào").wait_for()
    assert "q=000.10.02.H12" in page.url
    page.get_by_label("Tìm theo tên hoặc mã đơn vị").fill("an bình")
    page.get_by_role("link", name=A_NAME).wait_for()

    # A's detail.
    page.get_by_role("link", name=A_NAME).click()
    page.wait_for_url(f"**/backoffice/units/{A_CODE}/")
    assert page.get_by_role("heading", level=1).inner_text() == A_NAME
    body = page.locator("main").inner_text()
    assert "Thứ 7" in body and "07:30–11:30" in body and "Quầy Tư pháp - Hộ tịch" in body
    assert B_NAME not in page.content()
    check_page(page)
    shoot(page, "unit-detail")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Điều hướng chính").is_visible()
    page.emulate_media(media="screen")
    shoot.printed(page, "unit-detail")

    # B's detail is a plain 404.
    response = page.goto(f"/backoffice/units/{B_CODE}/")
    assert response.status == 404
    assert B_NAME not in page.content()
    page.go_back()

    # Switch to English and back.
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Đổi").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Office hours" in page.locator("main").inner_text()
    check_page(page, lang="en")
    shoot(page, "unit-detail-en")
    page.get_by_label("Language").select_option("vi")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "vi"

    # Log out (POST with CSRF) back to the portal.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Đăng nhập cán bộ").first.is_visible()
    page.goto("/backoffice/")
    assert "/accounts/login/" in page.url

