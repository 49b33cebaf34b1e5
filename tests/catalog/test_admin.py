"""Admin: view for staff, change for catalogue managers; unit variants only within reach."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from motcua.catalog.models import Procedure, ProcessStep
from motcua.core.domain.permissions import Role
from motcua.core.models import Unit, User

pytestmark = pytest.mark.django_db


def _post_data(response: Any) -> dict[str, Any]:
    """The change form's current values, as the browser would post them back."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if field.widget.__class__.__name__ in ("ClearableFileInput", "FileInput"):
                continue
            if field.widget.__class__.__name__ == "CheckboxInput":
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value) if not hasattr(value, "pk") else value.pk
    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.forms)
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        for form in formset.forms:
            add(form)
    return data


@pytest.fixture
def birth(demo_catalogue: dict[str, Unit]) -> Procedure:
    procedure = Procedure.objects.get(code="1.001193")  # same day: 8 working hours
    for unit in (demo_catalogue["a"], demo_catalogue["b"]):
        ProcessStep.objects.create(procedure=procedure, unit=unit, order=1, name=f"Xử lý tại {unit.code}",
                                   role="specialist", relative_unit="competent_unit", hours=8)
    return procedure


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_without_catalog_manage_can_view_only(birth: Procedure, province_tree: dict[str, Unit],
                                                    make_officer: Callable[..., User]) -> None:
    officer = make_officer("chuyenvien", province_tree["a"], Role.SPECIALIST)
    officer.is_staff = True
    officer.save()
    client = _client(officer)
    url = f"/admin/catalog/procedure/{birth.pk}/change/"
    assert client.get("/admin/catalog/procedure/").status_code == 200
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, {"name": "Đổi tên"}).status_code == 403
    assert client.get("/admin/catalog/procedure/add/").status_code == 403
    birth.refresh_from_db()
    assert birth.name == "Đăng ký khai sinh"


def test_unit_admin_edits_own_variant_not_other_communes(birth: Procedure, province_tree: dict[str, Unit],
                                                          make_officer: Callable[..., User]) -> None:
    a, b = province_tree["a"], province_tree["b"]
    admin_a = make_officer("quantri.a", a, Role.UNIT_ADMIN)
    client = _client(admin_a)
    url = f"/admin/catalog/procedure/{birth.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert f"Xử lý tại {a.code}" in content and f"Xử lý tại {b.code}" not in content
    variant_inline = next(i for i in page.context["inline_admin_formsets"] if "unit" in i.formset.form.base_fields)
    assert set(variant_inline.formset.form.base_fields["unit"].queryset) == {a}

    # Editing its own variant works (through the admin, with the shares still adding up).
    data = _post_data(page)
    prefix = variant_inline.formset.prefix
    data[f"{prefix}-0-name"] = "Thẩm định tại xã A"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert ProcessStep.objects.get(procedure=birth, unit=a).name == "Thẩm định tại xã A"

    # Forging commune B's step id into the variant formset is rejected; B's step is untouched.
    step_b = ProcessStep.objects.get(procedure=birth, unit=b)
    data = _post_data(client.get(url))
    data[f"{prefix}-0-id"] = step_b.pk
    data[f"{prefix}-0-unit"] = b.pk
    data[f"{prefix}-0-name"] = "Sửa trộm"
    response = client.post(url, data)
    assert response.status_code == 200  # form shown again with errors
    step_b.refresh_from_db()
    assert step_b.name == f"Xử lý tại {b.code}" and step_b.unit == b

    # Adding a new variant row for commune B is rejected too.
    data = _post_data(client.get(url))
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": n + 1, f"{prefix}-{n}-unit": b.pk, f"{prefix}-{n}-order": 2,
                 f"{prefix}-{n}-name": "Bước thêm", f"{prefix}-{n}-role": "leader",
                 f"{prefix}-{n}-relative_unit": "competent_unit", f"{prefix}-{n}-hours": 1,
                 f"{prefix}-{n}-procedure": birth.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    assert ProcessStep.objects.filter(procedure=birth, unit=b).count() == 1


def test_step_shares_must_add_up_in_admin(birth: Procedure, province_tree: dict[str, Unit],
                                          make_officer: Callable[..., User]) -> None:
    client = _client(make_officer("quantri.tinh", province_tree["province"], Role.PROVINCE_ADMIN))
    url = f"/admin/catalog/procedure/{birth.pk}/change/"
    page = client.get(url)
    data = _post_data(page)
    template = next(i for i in page.context["inline_admin_formsets"]
                    if "unit" not in i.formset.form.base_fields and "relative_unit" in i.formset.form.base_fields)
    data[f"{template.formset.prefix}-0-hours"] = 7  # 7 + 3 + 2 + 1 + 1 > 8 for a same-day procedure
    response = client.post(url, data)
    assert response.status_code == 200
    assert "giờ làm việc" in response.content.decode()
    assert list(birth.steps.filter(unit__isnull=True).values_list("hours", flat=True)) == [1, 3, 2, 1, 1]


def test_province_admin_saves_procedure_through_service(birth: Procedure, province_tree: dict[str, Unit],
                                                        make_officer: Callable[..., User]) -> None:
    client = _client(make_officer("quantri.tinh", province_tree["province"], Role.PROVINCE_ADMIN))
    url = f"/admin/catalog/procedure/{birth.pk}/change/"
    data = _post_data(client.get(url))
    data["name"] = "Đăng ký khai sinh cho trẻ em"
    assert client.post(url, data).status_code == 302
    birth.refresh_from_db()
    assert "tre em" in birth.search_text
    # The list search is diacritic-insensitive too.
    assert "1.001193" in client.get("/admin/catalog/procedure/", {"q": "dang ky khai sinh tre"}).content.decode()
