"""Through the Django admin, a unit admin of commune A cannot read or change anything of commune B."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.core.domain.permissions import Role
from motcua.core.models import Counter, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a_client(client, province_tree, make_officer):
    make_officer("admin_a", province_tree["a"], Role.UNIT_ADMIN)
    client.login(username="admin_a", password="pass-Word-123")
    return client


def test_admin_is_in_vietnamese(admin_a_client):
    page = admin_a_client.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đơn vị và cán bộ" in html  # our app name, translated
    assert "Đăng xuất" in html or "Đổi mật khẩu" in html  # Django's own admin strings


def test_unit_list_shows_a_not_b(admin_a_client, province_tree):
    page = admin_a_client.get(reverse("admin:core_unit_changelist")).content.decode()
    assert province_tree["a"].code in page
    assert province_tree["b"].code not in page


def test_unit_b_is_not_readable_nor_changeable(admin_a_client, province_tree):
    b = province_tree["b"]
    url = reverse("admin:core_unit_change", args=[b.pk])
    assert admin_a_client.get(url).status_code in (302, 403, 404)
    response = admin_a_client.post(url, {"code": b.code, "name": "Hijacked", "kind": b.kind, "office_hours": "{}"})
    assert response.status_code in (302, 403, 404)
    assert Unit.objects.get(pk=b.pk).name != "Hijacked"


def test_unit_a_is_changeable_through_the_service(admin_a_client, province_tree):
    a = province_tree["a"]
    url = reverse("admin:core_unit_change", args=[a.pk])
    form = {
        "code": a.code, "name": "UBND xã An Bình (mới)", "kind": a.kind, "parent": a.parent_id,
        "address": "", "phone": "", "email": "", "is_one_stop_desk": "on", "is_active": "on",
        "office_hours": '{"mon": [["07:00", "11:30"], ["13:30", "17:00"]], "sat": [["07:30", "11:30"]]}',
        "counters-TOTAL_FORMS": "1", "counters-INITIAL_FORMS": "0", "counters-MIN_NUM_FORMS": "0",
        "counters-MAX_NUM_FORMS": "1000", "counters-0-number": "4", "counters-0-name": "Quầy 4",
        "counters-0-is_active": "on",
    }
    response = admin_a_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    a.refresh_from_db()
    assert a.name == "UBND xã An Bình (mới)"
    assert a.office_hours["sat"] == [["07:30", "11:30"]]
    assert a.path == "000.00.00.H12/000.10.01.H12/"
    assert Counter.objects.filter(unit=a, number=4).exists()


def test_unit_a_admin_cannot_move_a_under_b(admin_a_client, province_tree):
    a = province_tree["a"]
    url = reverse("admin:core_unit_change", args=[a.pk])
    response = admin_a_client.post(url, {"code": a.code, "name": a.name, "kind": a.kind,
                                         "parent": province_tree["b"].pk, "office_hours": "{}"})
    assert response.status_code == 200  # the form redisplays with an error: B is not a valid choice
    a.refresh_from_db()
    assert a.parent_id == province_tree["province"].pk


def test_officers_of_b_are_invisible_to_admin_a(admin_a_client, province_tree, make_officer):
    make_officer("leader_b", province_tree["b"], Role.LEADER)
    officer_a = make_officer("leader_a", province_tree["a"], Role.LEADER)
    page = admin_a_client.get(reverse("admin:core_user_changelist")).content.decode()
    assert "leader_a" in page
    assert "leader_b" not in page
    leader_b = User.objects.get(username="leader_b")
    url = reverse("admin:core_user_change", args=[leader_b.pk])
    assert admin_a_client.get(url).status_code in (302, 403, 404)
    assert admin_a_client.get(reverse("admin:core_user_change", args=[officer_a.pk])).status_code == 200


def test_specialist_cannot_enter_the_admin(client, province_tree, make_officer):
    make_officer("spec_a", province_tree["a"], Role.SPECIALIST)
    client.login(username="spec_a", password="pass-Word-123")
    response = client.get(reverse("admin:core_unit_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert RoleAssignment.objects.filter(user__username="spec_a").count() == 1
