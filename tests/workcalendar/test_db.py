"""The national calendar in the database: seeding, the migration, calendar_for_unit and its cache, admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import holidays
import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from motcua.core.domain.permissions import Role
from motcua.core.models import Unit, User
from motcua.workcalendar.domain import parse_limit
from motcua.workcalendar.models import Holiday
from motcua.workcalendar.selectors import calendar_for_unit
from motcua.workcalendar.services import delete_holiday, save_holiday, seed_national_holidays

from .conftest import local

pytestmark = pytest.mark.django_db


def _lunar_new_year(year: int) -> date:
    names = holidays.country_holidays("VN", years=year, language="en_US", observed=False)
    return next(day for day, name in names.items() if name == "Lunar New Year")


def test_migrate_seeded_2020_to_2035() -> None:
    years = set(Holiday.objects.filter(source=Holiday.Source.SEEDED).values_list("date__year", flat=True))
    assert set(range(2020, 2036)) <= years
    assert Holiday.objects.filter(date=date(2026, 2, 17), kind=Holiday.Kind.HOLIDAY).exists()
    assert Holiday.objects.get(date=date(2026, 8, 22)).kind == Holiday.Kind.MAKEUP_WORKING_DAY
    assert Holiday.objects.get(date=date(2026, 8, 31)).kind == Holiday.Kind.EXTRA_DAY_OFF
    assert Holiday.objects.get(date=date(2025, 4, 26)).kind == Holiday.Kind.MAKEUP_WORKING_DAY


def test_next_years_tet_is_in_the_database() -> None:
    """Fails when the seeded calendar no longer covers next year: extend MOTCUA_HOLIDAY_YEARS and re-seed."""
    next_year = date.today().year + 1
    tet = _lunar_new_year(next_year)
    assert Holiday.objects.filter(date=tet, kind=Holiday.Kind.HOLIDAY).exists(), f"Tết {next_year} missing"
    assert Holiday.objects.filter(date__year=next_year).count() >= 10


def test_seeding_is_idempotent_and_keeps_admin_rows() -> None:
    before = Holiday.objects.count()
    assert seed_national_holidays() == 0
    assert Holiday.objects.count() == before
    tet = Holiday.objects.get(date=date(2027, 2, 8), kind=Holiday.Kind.HOLIDAY)
    tet.name = "Mùng ba Tết (sửa)"
    save_holiday(actor=None, holiday=tet)
    Holiday.objects.filter(date__year=2030).delete()
    created = seed_national_holidays(2027, 2030)
    assert created >= 10
    tet.refresh_from_db()
    assert (tet.name, tet.source) == ("Mùng ba Tết (sửa)", Holiday.Source.ADMIN)
    assert Holiday.objects.filter(date=date(2027, 2, 8)).count() == 1
    assert Holiday.objects.count() == before


def test_seed_removes_rows_the_library_no_longer_lists() -> None:
    Holiday.objects.create(date=date(2031, 6, 3), name="stale", kind="holiday", source="seeded")
    seed_national_holidays(2031, 2031)
    assert not Holiday.objects.filter(date=date(2031, 6, 3)).exists()


def test_calendar_for_unit_uses_unit_hours(make_unit: Callable[..., Unit]) -> None:
    saturday_hours = {**{d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                      "sat": [["07:30", "11:30"]]}
    unit = make_unit("000.10.09.H12", office_hours=saturday_hours)
    friday_evening = local("2026-03-06 16:00")
    assert calendar_for_unit(unit).due(friday_evening, parse_limit("2wh")) == local("2026-03-07 08:30")
    assert calendar_for_unit(None).due(friday_evening, parse_limit("2wh")) == local("2026-03-09 08:00")
    assert calendar_for_unit(unit) is calendar_for_unit(unit)  # cached
    # National days apply: Tết 2026.
    assert calendar_for_unit(unit).due(local("2026-02-13 16:00"), parse_limit("2wh")) == local("2026-02-14 08:30")
    assert calendar_for_unit(unit).due(local("2026-02-16 09:00"), parse_limit("2wh")) == local("2026-02-21 09:30")


def test_cache_invalidated_by_an_extra_day_off() -> None:
    monday = local("2027-03-01 16:00")
    before = calendar_for_unit(None)
    assert before.due(monday, parse_limit("2wh")) == local("2027-03-02 08:00")
    save_holiday(actor=None, holiday=Holiday(date=date(2027, 3, 2), name="Nghỉ thêm", kind="extra_day_off"))
    after = calendar_for_unit(None)
    assert after is not before
    assert after.due(monday, parse_limit("2wh")) == local("2027-03-03 08:00")
    Holiday.objects.filter(date=date(2027, 3, 2)).delete()  # a signal drops the cache too
    assert calendar_for_unit(None).due(monday, parse_limit("2wh")) == local("2027-03-02 08:00")


def test_admin_row_can_cancel_a_seeded_holiday() -> None:
    save_holiday(actor=None, holiday=Holiday(date=date(2027, 4, 30), name="Đi làm", kind="makeup_working_day"))
    assert calendar_for_unit(None).is_working_instant(local("2027-04-30 08:00"))


def test_only_calendar_managers_change_holidays(
    province_tree: dict[str, Unit], make_officer: Callable[..., User]
) -> None:
    province_admin = make_officer("tinh", province_tree["province"], Role.PROVINCE_ADMIN)
    unit_admin = make_officer("xa", province_tree["a"], Role.UNIT_ADMIN)
    for user in (province_admin, unit_admin):
        user.is_staff = True
        user.save()
    superuser = User.objects.create_superuser("root", password="x-Long-pass-1")
    model_admin = site._registry[Holiday]
    request = RequestFactory().get("/")
    for user, may_change in ((province_admin, True), (superuser, True), (unit_admin, False)):
        request.user = user
        assert model_admin.has_view_permission(request)
        assert model_admin.has_change_permission(request) is may_change
        assert model_admin.has_add_permission(request) is may_change
        assert model_admin.has_delete_permission(request) is may_change
    day = Holiday(date=date(2027, 6, 1), name="x", kind="extra_day_off")
    with pytest.raises(PermissionDenied):
        save_holiday(actor=unit_admin, holiday=day)
    save_holiday(actor=province_admin, holiday=day)
    assert day.source == Holiday.Source.ADMIN
    with pytest.raises(PermissionDenied):
        delete_holiday(actor=unit_admin, holiday=day)
    delete_holiday(actor=province_admin, holiday=day)


def test_unit_office_hours_validated_by_the_domain(make_unit: Callable[..., Unit]) -> None:
    from django.core.exceptions import ValidationError

    unit = Unit(code="000.10.08.H12", name="x", kind=Unit.Kind.COMMUNE, office_hours={"mon": [["17:00", "07:00"]]})
    with pytest.raises(ValidationError, match="end 07:00 must be after start 17:00"):
        unit.full_clean()


def test_vietnamese_labels() -> None:
    from django.utils import translation

    with translation.override("vi"):
        assert str(Holiday.Kind.MAKEUP_WORKING_DAY.label) == "Ngày làm việc bù"
        assert str(Holiday._meta.verbose_name) == "ngày lịch quốc gia"
