"""The dashboard's period picker: tokens, "to date", shifting, refusals (no database)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from motcua.metrics import domain as m
from motcua.metrics.dashboards import PeriodError, PeriodKind, ReportPeriod, period_choices

TODAY = date(2026, 5, 14)


@pytest.mark.parametrize(("token", "kind", "first", "last"), [
    ("2026", PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-Q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)),
    ("2025-q4", PeriodKind.QUARTER, date(2025, 10, 1), date(2025, 12, 31)),
    ("2026-02", PeriodKind.MONTH, date(2026, 2, 1), date(2026, 2, 28)),
    ("2024-02", PeriodKind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-12", PeriodKind.MONTH, date(2025, 12, 1), date(2025, 12, 31)),
    (" 2026-05 ", PeriodKind.MONTH, date(2026, 5, 1), date(2026, 5, 31)),
])
def test_tokens(token: str, kind: PeriodKind, first: date, last: date) -> None:
    p = ReportPeriod.parse(token, TODAY)
    assert (p.kind, p.first, p.last) == (kind, first, last)
    assert ReportPeriod.parse(p.token, TODAY) == p


@pytest.mark.parametrize("token", ["", "abc", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-01", "2026-1",
                                   "2026-01-01", "２０２６", "2026-03\x00", "1999", "2026-06", "2027"])
def test_refused_tokens_say_why_in_vietnamese(token: str) -> None:
    with translation.override("vi"), pytest.raises(PeriodError) as caught:
        ReportPeriod.parse(token, TODAY)
    message = str(caught.value)
    assert message and any(word in message for word in ("Hãy chọn", "chưa bắt đầu", "Báo cáo chỉ có")), message


def test_a_running_period_is_read_to_date_and_a_past_one_whole() -> None:
    assert ReportPeriod.parse("2026-Q2", TODAY).to_date(TODAY) == m.Period(date(2026, 4, 1), TODAY)
    assert ReportPeriod.parse("2026-Q2", TODAY).runs(TODAY)
    assert ReportPeriod.parse("2026-Q1", TODAY).to_date(TODAY) == m.Period(date(2026, 1, 1), date(2026, 3, 31))
    assert not ReportPeriod.parse("2026-Q1", TODAY).runs(TODAY)
    assert ReportPeriod.current_quarter(TODAY).token == "2026-Q2"


@pytest.mark.parametrize(("token", "steps", "expected"), [
    ("2026-01", -1, "2025-12"), ("2026-03", -5, "2025-10"), ("2025-12", 1, "2026-01"),
    ("2026-Q1", -1, "2025-Q4"), ("2026-Q2", -4, "2025-Q2"), ("2026", -2, "2024"),
])
def test_shifting(token: str, steps: int, expected: str) -> None:
    assert ReportPeriod.parse(token, TODAY).shifted(steps).token == expected


def test_the_picker_lists_quarters_months_and_years_up_to_today_in_vietnamese() -> None:
    with translation.override("vi"):
        groups = dict(period_choices(TODAY))
        assert list(groups) == ["Quý", "Tháng", "Năm"]
        assert groups["Quý"][0] == ("2026-Q2", "Quý 2/2026")
        assert groups["Tháng"][0] == ("2026-05", "Tháng 5/2026")
        assert groups["Năm"] == [("2026", "Năm 2026"), ("2025", "Năm 2025"), ("2024", "Năm 2024")]
        assert len(groups["Tháng"]) == 36
        for options in groups.values():
            for token, _label in options:
                assert ReportPeriod.parse(token, TODAY).first <= TODAY
