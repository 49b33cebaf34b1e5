"""Fixtures shared by the whole suite: a small province tree and officers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from motcua.core.domain.permissions import Role
from motcua.core.models import Unit, User
from motcua.core.services import assign_role, save_unit

pytest_plugins = ["tests.browser_fixtures"]  # one Chromium for every browser test, whatever its folder


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Each test starts with a database of its own (rolled back or flushed after the previous one): the
    in-process caches of the previous test's rows must not leak into it, as they would across deployments."""
    from motcua.catalog import intake_cache
    from motcua.workcalendar.selectors import invalidate_calendar_cache

    intake_cache.forget()
    invalidate_calendar_cache()


@pytest.fixture
def make_unit() -> Callable[..., Unit]:
    def _make(
        code: str, name: str = "", kind: str = Unit.Kind.COMMUNE, parent: Unit | None = None, **kw: object
    ) -> Unit:
        return save_unit(Unit(code=code, name=name or code, kind=kind, parent=parent, **kw))

    return _make


@pytest.fixture
def province_tree(make_unit: Callable[..., Unit]) -> dict[str, Unit]:
    """Province → service centre, department (with a division), communes A and B."""
    province = make_unit("000.00.00.H12", "UBND tỉnh Thử Nghiệm", Unit.Kind.PROVINCE)
    centre = make_unit("000.00.01.H12", "Trung tâm Phục vụ hành chính công", Unit.Kind.SERVICE_CENTRE, province,
                       is_one_stop_desk=True)
    dept = make_unit("000.00.02.H12", "Sở Tư pháp", Unit.Kind.DEPARTMENT, province)
    division = make_unit("000.02.01.H12", "Phòng Hành chính tư pháp", Unit.Kind.DIVISION, dept)
    commune_a = make_unit("000.10.01.H12", "UBND xã An Bình", Unit.Kind.COMMUNE, province, is_one_stop_desk=True)
    commune_b = make_unit("000.10.02.H12", "UBND xã Bình Minh", Unit.Kind.COMMUNE, province, is_one_stop_desk=True)
    return {"province": province, "centre": centre, "dept": dept, "division": division, "a": commune_a,
            "b": commune_b}


@pytest.fixture
def make_officer() -> Callable[..., User]:
    def _make(username: str, unit: Unit, *roles: Role, password: str = "pass-Word-123") -> User:
        user = User.objects.create_user(username=username, password=password, full_name=username.title())
        for role in roles:
            assign_role(actor=None, user=user, unit=unit, role=role)
        return user

    return _make
