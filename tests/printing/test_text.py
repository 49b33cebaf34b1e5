"""How the forms write places, dates, times, amounts and time limits (no database)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from motcua.core.models import Unit
from motcua.dossiers.printing import text
from motcua.workcalendar.domain import parse_limit

UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 2, 5), "An Bình, ngày 05 tháng 02 năm 2026"),  # a zero before days 1–9 and months 1, 2
    (date(2026, 4, 6), "An Bình, ngày 06 tháng 4 năm 2026"),
    (date(2026, 12, 31), "An Bình, ngày 31 tháng 12 năm 2026"),
])
def test_place_and_date_line(day: date, expected: str) -> None:
    assert text.place_date("An Bình", day) == expected


def test_times_are_local() -> None:
    moment = datetime(2026, 4, 6, 1, 5, tzinfo=UTC)  # 08:05 in Hà Nội
    assert text.clock(moment) == "08 giờ 05 phút, ngày 06/04/2026"
    assert text.short(moment) == "06/04/2026 08:05"
    assert text.long_date(datetime(2026, 1, 31, 18, 0, tzinfo=UTC)) == "01 tháng 02 năm 2026"  # next local day
    assert text.clock(None) == "" and text.short(None) == ""


def test_money_and_limits() -> None:
    assert text.money(1250000) == "1.250.000 đồng"
    assert text.limit_text(parse_limit("3wd")) == "3 ngày làm việc"
    assert text.limit_text(parse_limit("8wh")) == "8 giờ làm việc"
    assert text.limit_text(parse_limit("15d")) == "15 ngày"
    assert text.limit_text(parse_limit("sameday")).startswith("Trong ngày làm việc")


def test_place_is_the_nearest_peoples_committee() -> None:
    province = Unit(code="000.00.00.H12", name="UBND tỉnh Thử Nghiệm", kind="province", path="000.00.00.H12/")
    commune = Unit(code="000.10.01.H12", name="Ủy ban nhân dân phường An Hòa", kind="commune",
                   path="000.00.00.H12/000.10.01.H12/")
    centre = Unit(code="000.00.01.H12", name="Trung tâm Phục vụ hành chính công", kind="service_centre",
                  path="000.00.00.H12/000.00.01.H12/")
    ancestors = {province.code: province}
    assert text.place_of(commune, ancestors) == "An Hòa"
    assert text.place_of(centre, ancestors) == "Thử Nghiệm"
    assert text.place_of(province, {}) == "Thử Nghiệm"
