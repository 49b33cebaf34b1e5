"""Back-office pages: login required, Vietnamese by default, and never a unit outside the officer's reach."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.backoffice.views import office_days
from motcua.core.domain.permissions import Role
from motcua.core.models import Counter, Unit
from motcua.core.services import save_unit
from tests.portal.support import audit

pytestmark = pytest.mark.django_db

B_NAME = "Bình Minh"
B_CODE = "000.10.02.H12"


@pytest.fixture
def officer_a(client: Client, province_tree, make_officer):
    user = make_officer("an.tiepnhan", province_tree["a"], Role.RECEPTION_OFFICER, Role.SPECIALIST)
    client.force_login(user)
    return user


@pytest.fixture
def province_admin(client: Client, province_tree, make_officer):
    user = make_officer("tinh.quantri", province_tree["province"], Role.PROVINCE_ADMIN)
    client.force_login(user)
    return user


def rows(html: str) -> list[str]:
    return re.findall(r'href="/backoffice/units/([^/"]+)/"', html)


@pytest.mark.parametrize("url", ["/backoffice/", "/backoffice/units/", "/backoffice/units/000.10.01.H12/"])
def test_login_required(client: Client, province_tree, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_home_lists_roles_per_unit_in_vietnamese(client: Client, officer_a) -> None:
    html = client.get("/backoffice/").content.decode()
    assert '<html lang="vi">' in html
    assert "Vai trò của bạn" in html
    assert "UBND xã An Bình" in html
    assert "Cán bộ tiếp nhận" in html  # role label from the core catalogue
    assert "Trang chủ" in html and "Đơn vị" in html and "Đăng xuất" in html
    assert "Quản trị" not in html.split("<main", 1)[0]  # no admin link for a plain officer
    assert B_NAME not in html


def test_home_in_english_after_switching(client: Client, officer_a) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/backoffice/"})
    html = client.get("/backoffice/").content.decode()
    assert '<html lang="en">' in html
    assert "Your roles" in html and "Reception officer" in html and "Log out" in html


def test_admin_sees_administration_link(client: Client, province_admin) -> None:
    html = client.get("/backoffice/").content.decode()
    assert 'href="/admin/"' in html


def test_layout_is_accessible_for_officers(client: Client, officer_a) -> None:
    for url in ("/backoffice/", "/backoffice/units/", "/backoffice/units/000.10.01.H12/"):
        html = client.get(url).content.decode()
        page = audit(html)
        assert page.html_lang == "vi", url
        assert page.landmarks["main"] == 1, url
        assert page.landmarks["nav"] >= 1, url
        assert page.unlabelled_controls() == [], url
        assert page.external == [], url
        assert 'action="/accounts/logout/" method="post"' in html and "csrfmiddlewaretoken" in html


def test_units_list_is_scoped_to_the_officer(client: Client, officer_a) -> None:
    html = client.get("/backoffice/units/").content.decode()
    assert rows(html) == ["000.10.01.H12"]
    assert "UBND xã An Bình" in html
    assert B_NAME not in html and B_CODE not in html
    assert "UBND xã, phường" in html  # kind in Vietnamese


def test_units_search_cannot_reach_outside(client: Client, officer_a) -> None:
    html = client.get("/backoffice/units/", {"q": B_CODE}).content.decode()
    assert rows(html) == []
    assert "Không có đơn vị nào" in html
    assert B_NAME not in html


def test_units_list_search_by_name_and_code(client: Client, province_admin) -> None:
    all_codes = rows(client.get("/backoffice/units/").content.decode())
    assert len(all_codes) == 6
    assert rows(client.get("/backoffice/units/", {"q": "sở tư"}).content.decode()) == ["000.00.02.H12"]
    assert rows(client.get("/backoffice/units/", {"q": "000.10"}).content.decode()) == ["000.10.01.H12", B_CODE]


def test_units_list_is_paginated_and_bounded(client: Client, province_tree, province_admin,
                                             django_assert_max_num_queries) -> None:
    for n in range(60):
        save_unit(Unit(code=f"000.20.{n:02d}.H12", name=f"UBND xã Thử {n:02d}", kind=Unit.Kind.COMMUNE,
                       parent=province_tree["province"]))
    with django_assert_max_num_queries(8):
        page1 = client.get("/backoffice/units/", {"q": "xã Thử"}).content.decode()
    assert len(rows(page1)) == 50
    assert "60 đơn vị" in page1
    assert "Trang 1 / 2" in page1
    assert "?q=x%C3%A3%20Th%E1%BB%AD&amp;page=2" in page1
    page2 = client.get("/backoffice/units/", {"q": "xã Thử", "page": 2}).content.decode()
    assert len(rows(page2)) == 10
    assert rows(client.get("/backoffice/units/", {"page": "abc"}).content.decode())  # bad page → first page


def test_units_search_as_you_type_returns_a_fragment(client: Client, officer_a) -> None:
    response = client.get("/backoffice/units/", {"q": "An"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="unit-results"' in html
    assert rows(html) == ["000.10.01.H12"]
    assert "HX-Request" in response["Vary"]


def test_unit_detail_shows_the_unit(client: Client, province_tree, officer_a) -> None:
    Counter.objects.create(unit=province_tree["a"], number=1, name="Quầy Tư pháp - Hộ tịch")
    Counter.objects.create(unit=province_tree["a"], number=2, name="Quầy Đất đai", is_active=False)
    a = province_tree["a"]
    a.address, a.phone = "3 Đường Quang Trung", "0226 3861 001"
    a.office_hours = {**a.office_hours, "sat": [["07:30", "11:30"]]}
    save_unit(a)
    html = client.get("/backoffice/units/000.10.01.H12/").content.decode()
    assert "<h1>UBND xã An Bình</h1>" in html
    assert "000.10.01.H12" in html and "UBND xã, phường" in html
    assert "3 Đường Quang Trung" in html and 'href="tel:02263861001"' in html
    assert "Giờ làm việc" in html
    assert re.search(r"<th scope=\"row\">Thứ 2</th>\s*<td>07:00–11:30, 13:30–17:00</td>", html)
    assert re.search(r"<th scope=\"row\">Thứ 7</th>\s*<td>07:30–11:30</td>", html)
    assert re.search(r"<th scope=\"row\">Chủ nhật</th>\s*<td>Nghỉ</td>", html)
    assert "Quầy Tư pháp - Hộ tịch" in html and "Không sử dụng" in html
    # The province is the parent: named, but not a link the officer could not follow.
    assert "UBND tỉnh Thử Nghiệm" in html and 'href="/backoffice/units/000.00.00.H12/"' not in html
    assert B_NAME not in html


@pytest.mark.parametrize("code", [B_CODE, "000.00.00.H12", "000.00.02.H12", "999.99.99.Z99"])
def test_unit_detail_outside_reach_is_404(client: Client, officer_a, code: str) -> None:
    response = client.get(f"/backoffice/units/{code}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert B_NAME not in html and "Sở Tư pháp" not in html


def test_province_admin_sees_children_and_parent_links(client: Client, province_admin) -> None:
    html = client.get("/backoffice/units/000.00.00.H12/").content.decode()
    assert "Đơn vị trực thuộc" in html and B_NAME in html and "UBND xã An Bình" in html
    html = client.get(f"/backoffice/units/{B_CODE}/").content.decode()
    assert 'href="/backoffice/units/000.00.00.H12/"' in html


def test_superuser_without_roles_sees_everything(client: Client, province_tree, django_user_model) -> None:
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pass-Word-123")
    client.force_login(root)
    assert "Quản trị hệ thống" in client.get("/backoffice/").content.decode()
    assert len(rows(client.get("/backoffice/units/").content.decode())) == 6


def test_officer_without_role_sees_no_unit(client: Client, province_tree, django_user_model) -> None:
    nobody = django_user_model.objects.create_user("nobody", password="pass-Word-123")
    client.force_login(nobody)
    assert "Bạn chưa được phân vai trò" in client.get("/backoffice/").content.decode()
    assert rows(client.get("/backoffice/units/").content.decode()) == []
    assert client.get("/backoffice/units/000.10.01.H12/").status_code == 404


def test_logout_is_a_post_and_returns_to_the_portal(client: Client, officer_a) -> None:
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/backoffice/").status_code == 302


def test_office_days_reads_stored_hours() -> None:
    days = office_days({"mon": [["07:00", "11:30"]], "sat": [["07:30", "11:30"]]})
    assert days is not None and len(days) == 7
    assert days[0].intervals == ("07:00–11:30",) and days[1].intervals == () and days[5].intervals == ("07:30–11:30",)
    assert office_days({"mon": "bad"}) is None
    assert office_days(None) is None
