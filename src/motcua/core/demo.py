"""The demo province used by `motcua demo` (quick start) and by browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from motcua.core.domain.permissions import Role
from motcua.core.models import Counter, Unit, User
from motcua.core.services import assign_role, save_unit

DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only

SATURDAY_MORNING = {
    **{d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [["07:30", "11:30"]],
}

# code, name, kind, parent code, one-stop desk, counters, address, phone
UNITS: list[tuple[str, str, Any, str | None, bool, int, str, str]] = [
    ("000.00.00.H99", "UBND tỉnh Demo", Unit.Kind.PROVINCE, None, False, 0, "1 Đường Trần Hưng Đạo", "0226 3850 001"),
    ("000.00.01.H99", "Trung tâm Phục vụ hành chính công tỉnh Demo", Unit.Kind.SERVICE_CENTRE, "000.00.00.H99",
     True, 6, "5 Đường Lê Lợi", "0226 3850 100"),
    ("000.00.02.H99", "Sở Tư pháp", Unit.Kind.DEPARTMENT, "000.00.00.H99", False, 0, "12 Đường Biên Hòa",
     "0226 3852 200"),
    ("000.02.01.H99", "Phòng Hành chính tư pháp", Unit.Kind.DIVISION, "000.00.02.H99", False, 0, "", ""),
    ("000.00.03.H99", "Sở Xây dựng", Unit.Kind.DEPARTMENT, "000.00.00.H99", False, 0, "20 Đường Lý Thường Kiệt",
     "0226 3853 300"),
    ("000.03.01.H99", "Phòng Quản lý hoạt động xây dựng", Unit.Kind.DIVISION, "000.00.03.H99", False, 0, "", ""),
    ("000.10.01.H99", "UBND phường An Hòa", Unit.Kind.COMMUNE, "000.00.00.H99", True, 3, "3 Đường Quang Trung",
     "0226 3861 001"),
    ("000.10.02.H99", "UBND xã Bình Minh", Unit.Kind.COMMUNE, "000.00.00.H99", True, 2, "Thôn Đông, xã Bình Minh",
     "0226 3862 002"),
    ("000.10.03.H99", "UBND xã Tân Phú", Unit.Kind.COMMUNE, "000.00.00.H99", True, 2, "Thôn Trung, xã Tân Phú",
     "0226 3863 003"),
]

# username, full name, unit code, roles
USERS: list[tuple[str, str, str, tuple[Role, ...]]] = [
    ("tinh.quantri", "Nguyễn Thị Hồng", "000.00.00.H99", (Role.PROVINCE_ADMIN,)),
    ("tinh.giamsat", "Trần Văn Minh", "000.00.00.H99", (Role.MONITOR,)),
    ("ttpv.tiepnhan", "Lê Thị Lan", "000.00.01.H99", (Role.RECEPTION_OFFICER,)),
    ("ttpv.vanthu", "Phạm Văn Tùng", "000.00.01.H99", (Role.CLERK,)),
    ("stp.chuyenvien", "Đỗ Thị Mai", "000.02.01.H99", (Role.SPECIALIST,)),
    ("stp.lanhdao", "Hoàng Văn Nam", "000.00.02.H99", (Role.LEADER,)),
    ("stp.quantri", "Vũ Thị Thu", "000.00.02.H99", (Role.UNIT_ADMIN,)),
    ("sxd.chuyenvien", "Bùi Văn Hải", "000.03.01.H99", (Role.SPECIALIST,)),
    ("sxd.lanhdao", "Đặng Thị Hạnh", "000.00.03.H99", (Role.LEADER,)),
    ("anhoa.tiepnhan", "Ngô Thị Hoa", "000.10.01.H99", (Role.RECEPTION_OFFICER,)),
    ("anhoa.chuyenvien", "Phan Văn Đức", "000.10.01.H99", (Role.SPECIALIST,)),
    ("anhoa.lanhdao", "Trịnh Văn Sơn", "000.10.01.H99", (Role.LEADER,)),
    ("anhoa.vanthu", "Lý Thị Ngọc", "000.10.01.H99", (Role.CLERK,)),
    ("anhoa.quantri", "Mai Văn Bình", "000.10.01.H99", (Role.UNIT_ADMIN,)),
    ("binhminh.tiepnhan", "Cao Thị Yến", "000.10.02.H99", (Role.RECEPTION_OFFICER,)),
    ("binhminh.chuyenvien", "Tạ Văn Long", "000.10.02.H99", (Role.SPECIALIST,)),
    ("binhminh.lanhdao", "Lương Văn Tài", "000.10.02.H99", (Role.LEADER,)),
    ("tanphu.tiepnhan", "Hà Thị Thanh", "000.10.03.H99", (Role.RECEPTION_OFFICER,)),
    ("tanphu.chuyenvien", "Kiều Văn Phong", "000.10.03.H99", (Role.SPECIALIST,)),
    ("tanphu.lanhdao", "Quách Văn Hùng", "000.10.03.H99", (Role.LEADER,)),
]


@dataclass
class DemoResult:
    units: int
    users: int
    procedures: int
    holidays: int


@transaction.atomic
def load_demo_province() -> DemoResult:
    """Create (or bring up to date) the demo province; idempotent."""
    units: dict[str, Unit] = {}
    for code, name, kind, parent, desk, counters, address, phone in UNITS:
        unit = Unit.objects.filter(code=code).first() or Unit(code=code)
        unit.name, unit.kind, unit.parent = name, kind, units.get(parent) if parent else None
        unit.is_one_stop_desk, unit.address, unit.phone = desk, address, phone
        if kind == Unit.Kind.SERVICE_CENTRE:
            unit.office_hours = SATURDAY_MORNING
        units[code] = save_unit(unit)
        for number in range(1, counters + 1):
            Counter.objects.get_or_create(unit=unit, number=number, defaults={"name": f"Quầy số {number}"})

    for username, full_name, unit_code, roles in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, full_name=full_name)
        for role in roles:
            assign_role(actor=None, user=user, unit=units[unit_code], role=role)
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD, full_name="Quản trị hệ thống")

    from motcua.catalog.demo import seed_demo_catalogue
    from motcua.workcalendar.models import Holiday
    from motcua.workcalendar.services import seed_national_holidays

    seed_national_holidays()
    holidays = Holiday.objects.count()
    procedures = seed_demo_catalogue(
        province=units["000.00.00.H99"],
        centre=units["000.00.01.H99"],
        departments=[units["000.00.02.H99"], units["000.00.03.H99"]],
        communes=[units["000.10.01.H99"], units["000.10.02.H99"], units["000.10.03.H99"]],
    )
    return DemoResult(units=len(units), users=len(USERS) + 1, procedures=procedures, holidays=holidays)
