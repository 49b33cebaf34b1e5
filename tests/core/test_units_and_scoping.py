"""Unit tree and the one permission helper, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from motcua.core.domain.permissions import Action, Role
from motcua.core.models import Counter, Unit
from motcua.core.permissions import can, scope, units_for
from motcua.core.services import assign_role, create_counter, save_unit

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(province_tree):
    t = province_tree
    assert t["province"].path == "000.00.00.H12/"
    assert t["division"].path == "000.00.00.H12/000.00.02.H12/000.02.01.H12/"
    assert t["division"].depth == 2


def test_moving_a_unit_moves_its_subtree(province_tree):
    t = province_tree
    dept = t["dept"]
    dept.parent = t["centre"]
    save_unit(dept)
    t["division"].refresh_from_db()
    assert t["division"].path == "000.00.00.H12/000.00.01.H12/000.00.02.H12/000.02.01.H12/"
    assert t["division"].depth == 3


def test_a_unit_cannot_go_under_its_own_subtree(province_tree):
    t = province_tree
    dept = Unit.objects.get(pk=t["dept"].pk)
    dept.parent = t["division"]
    with pytest.raises(ValidationError):
        save_unit(dept)
    t["division"].refresh_from_db()
    assert t["division"].path.startswith(t["province"].path + t["dept"].code)


@pytest.mark.parametrize("code", ["12345", "000.00.01", "000.00.01.h12", "000-00-01-H12", ""])
def test_unit_code_format_is_checked(province_tree, code):
    with pytest.raises(ValidationError) as err:
        save_unit(Unit(code=code, name="X", kind=Unit.Kind.COMMUNE, parent=province_tree["province"]))
    assert "code" in err.value.message_dict
    assert not Unit.objects.filter(code=code).exists()


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": [["11:30", "07:00"]]},
        {"mon": [["07:00", "11:30"], ["11:00", "17:00"]]},
        {"mon": [["07:00", "09:00"], ["10:00", "11:00"], ["13:00", "14:00"]]},
        {"xyz": [["07:00", "11:30"]]},
        {"mon": [["7h", "11:30"]]},
    ],
)
def test_bad_office_hours_are_refused(province_tree, hours):
    unit = province_tree["a"]
    unit.office_hours = hours
    with pytest.raises(ValidationError) as err:
        save_unit(unit)
    assert "office_hours" in err.value.message_dict


def test_default_office_hours_are_weekdays_with_a_lunch_break(province_tree):
    hours = province_tree["a"].office_hours
    assert set(hours) == {"mon", "tue", "wed", "thu", "fri"}
    assert hours["mon"] == [["07:00", "11:30"], ["13:30", "17:00"]]


def test_officer_of_commune_a_reaches_only_commune_a(province_tree, make_officer):
    t = province_tree
    officer = make_officer("recep_a", t["a"], Role.RECEPTION_OFFICER)
    assert set(units_for(officer, Action.DOSSIER_RECEIVE)) == {t["a"]}
    assert can(officer, Action.DOSSIER_RECEIVE, t["a"])
    assert not can(officer, Action.DOSSIER_RECEIVE, t["b"])
    assert not can(officer, Action.DOSSIER_APPROVE, t["a"])  # not a leader
    assert not can(officer, Action.UNIT_MANAGE, t["a"])


def test_roles_reach_the_subtree_and_monitors_only_read(province_tree, make_officer):
    t = province_tree
    dept_leader = make_officer("leader_dept", t["dept"], Role.LEADER)
    assert set(units_for(dept_leader, Action.DOSSIER_APPROVE)) == {t["dept"], t["division"]}
    monitor = make_officer("monitor", t["province"], Role.MONITOR)
    assert units_for(monitor, Action.DOSSIER_VIEW).count() == 6
    assert units_for(monitor, Action.DOSSIER_PROCESS).count() == 0
    assert not can(monitor, Action.UNIT_MANAGE, t["a"])


def test_scope_filters_rows_in_sql(province_tree, make_officer, django_assert_max_num_queries):
    t = province_tree
    for unit in (t["a"], t["b"]):
        for n in (1, 2, 3):
            create_counter(actor=None, unit=unit, number=n)
    officer = make_officer("spec_a", t["a"], Role.SPECIALIST)
    with django_assert_max_num_queries(2):
        rows = list(scope(Counter.objects.all(), officer, Action.UNIT_VIEW))
    assert {c.unit_id for c in rows} == {t["a"].pk}
    assert len(rows) == 3


def test_superuser_reaches_everything_and_anonymous_nothing(province_tree, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    assert units_for(root, Action.UNIT_MANAGE).count() == 6
    assert units_for(AnonymousUser(), Action.UNIT_VIEW).count() == 0


def test_services_refuse_actors_outside_their_reach(province_tree, make_officer):
    t = province_tree
    admin_a = make_officer("admin_a", t["a"], Role.UNIT_ADMIN)
    with pytest.raises(PermissionDenied):
        create_counter(actor=admin_a, unit=t["b"], number=1)
    assert not Counter.objects.filter(unit=t["b"]).exists()
    create_counter(actor=admin_a, unit=t["a"], number=1)
    with pytest.raises(PermissionDenied):
        assign_role(actor=admin_a, user=admin_a, unit=t["b"], role=Role.LEADER)
    with pytest.raises(PermissionDenied):
        assign_role(actor=admin_a, user=admin_a, unit=t["a"], role=Role.PROVINCE_ADMIN)
    b = Unit.objects.get(pk=t["b"].pk)
    b.name = "Renamed by A"
    with pytest.raises(PermissionDenied):
        save_unit(b, actor=admin_a)
    assert Unit.objects.get(pk=t["b"].pk).name != "Renamed by A"


def test_duplicate_counter_is_a_clear_error(province_tree):
    create_counter(actor=None, unit=province_tree["a"], number=1)
    with pytest.raises(ValidationError) as err:
        create_counter(actor=None, unit=province_tree["a"], number=1)
    assert "number" in err.value.message_dict
