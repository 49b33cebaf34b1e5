"""Pure catalogue rules: fees, time limits, step shares, text folding, import rows. No database."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.catalog.domain import (
    FeeBasis,
    FeeKind,
    FeeRule,
    PageTier,
    compute_fee,
    default_step_plan,
    exceeds,
    fold,
    parse_fee_text,
    parse_limit_or_text,
    parse_limit_text,
    search_text,
    step_budget,
    step_share_problems,
)
from motcua.catalog.domain.rows import COLUMNS, parse_row, row_to_raw
from motcua.workcalendar.domain import Limit, LimitKind, parse_limit

CERTIFIED_COPY = FeeRule(FeeKind.TIERED_PAGE, basis=FeeBasis.COPY,
                         tiers=(PageTier(1, 2000), PageTier(3, 1000)), cap_per_copy=200_000)


@pytest.mark.parametrize(("rule", "pages", "copies", "cases", "expected"), [
    (CERTIFIED_COPY, 0, 1, 1, 0),
    (CERTIFIED_COPY, 1, 1, 1, 2_000),
    (CERTIFIED_COPY, 2, 1, 1, 4_000),
    (CERTIFIED_COPY, 3, 1, 1, 5_000),
    (CERTIFIED_COPY, 10, 1, 1, 12_000),
    (CERTIFIED_COPY, 10, 3, 1, 36_000),
    (CERTIFIED_COPY, 198, 1, 1, 200_000),
    (CERTIFIED_COPY, 199, 1, 1, 200_000),
    (CERTIFIED_COPY, 500, 2, 1, 400_000),
    (FeeRule(FeeKind.FIXED, amount=10_000, basis=FeeBasis.CASE), 5, 2, 3, 30_000),
    (FeeRule(FeeKind.FIXED, amount=8_000, basis=FeeBasis.COPY), 5, 4, 1, 32_000),
    (FeeRule(FeeKind.FIXED, amount=50_000), 9, 9, 9, 50_000),
    (FeeRule(FeeKind.FREE), 9, 9, 9, 0),
])
def test_compute_fee_table(rule: FeeRule, pages: int, copies: int, cases: int, expected: int) -> None:
    assert compute_fee(rule, pages=pages, copies=copies, cases=cases) == expected


def test_compute_fee_rejects_negative() -> None:
    with pytest.raises(ValueError):
        compute_fee(CERTIFIED_COPY, pages=-1)


tiers = st.lists(st.integers(0, 10_000), min_size=1, max_size=4).flatmap(
    lambda prices: st.lists(st.integers(1, 20), min_size=len(prices) - 1, max_size=len(prices) - 1).map(
        lambda gaps: tuple(PageTier(1 + sum(gaps[:i]), p) for i, p in enumerate(prices))))
tiered_rules = st.builds(lambda t, cap: FeeRule(FeeKind.TIERED_PAGE, basis=FeeBasis.COPY, tiers=t, cap_per_copy=cap),
                         tiers, st.none() | st.integers(0, 500_000))


@given(tiered_rules, st.integers(0, 1_000), st.integers(0, 1_000), st.integers(1, 20))
def test_tiered_fee_is_monotone_in_pages(rule: FeeRule, a: int, b: int, copies: int) -> None:
    low, high = sorted((a, b))
    assert compute_fee(rule, pages=low, copies=copies) <= compute_fee(rule, pages=high, copies=copies)


@given(tiered_rules, st.integers(0, 5_000), st.integers(0, 50))
def test_tiered_fee_never_above_cap(rule: FeeRule, pages: int, copies: int) -> None:
    fee = compute_fee(rule, pages=pages, copies=copies)
    assert fee >= 0
    if rule.cap_per_copy is not None:
        assert fee <= rule.cap_per_copy * copies


@given(st.integers(0, 10_000), st.integers(0, 100), st.integers(0, 100))
def test_free_is_zero(pages: int, copies: int, cases: int) -> None:
    assert compute_fee(FeeRule(FeeKind.FREE), pages=pages, copies=copies, cases=cases) == 0


@given(st.integers(0, 400))
def test_certified_copy_formula(pages: int) -> None:
    expected = min(200_000, 2_000 * min(pages, 2) + 1_000 * max(0, pages - 2))
    assert compute_fee(CERTIFIED_COPY, pages=pages) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2.000đ/trang (trang 1–2), từ trang 3: 1.000đ/trang, tối đa 200.000đ/bản", (CERTIFIED_COPY,)),
    ("10.000đ/trường hợp", (FeeRule(FeeKind.FIXED, amount=10_000, basis=FeeBasis.CASE),)),
    ("[K] 8.000đ/bản (TT 281/2016/TT-BTC)", (FeeRule(FeeKind.FIXED, amount=8_000, basis=FeeBasis.COPY),)),
    ("Không", (FeeRule(FeeKind.FREE),)),
    ("Miễn khi đúng hạn / người có công / hộ nghèo / NKT; quá hạn: HĐND tỉnh", (FeeRule(FeeKind.FREE),)),
    ("[K] miễn khi đúng hạn", (FeeRule(FeeKind.FREE),)),
    ("[K] miễn/HĐND tỉnh", None),
    ("[K] HĐND tỉnh", None),
    ("—", None),
    ("", None),
])
def test_parse_fee_text(text: str, expected: tuple[FeeRule, ...] | None) -> None:
    assert parse_fee_text(text) == expected


WD, WH, D, SAME = LimitKind.WORKING_DAYS, LimitKind.WORKING_HOURS, LimitKind.CALENDAR_DAYS, LimitKind.SAME_DAY


@pytest.mark.parametrize(("text", "expected"), [
    ("03 ngày làm việc", Limit(WD, 3)),
    ("25 ngày làm việc", Limit(WD, 25)),
    ("[K] Luật Cư trú: 03 ngày làm việc", Limit(WD, 3)),
    ("— ([K] NĐ 123/2015: 05 ngày làm việc)", Limit(WD, 5)),
    ("Ngay trong ngày; nhận sau 15h → ngày làm việc tiếp theo", Limit(SAME)),
    ("Trong ngày; sau 15h → ngày làm việc tiếp theo; +≤02 ngày làm việc if complex", Limit(SAME)),
    ("Trong ngày làm việc (≤03 ngày if justified)", Limit(SAME)),
    ("05 ngày làm việc (HCM) / 02 ngày (older Hà Nam text)", Limit(WD, 5)),
    ("[K] Luật Xây dựng: 15 ngày for nhà ở riêng lẻ", Limit(D, 15)),
    ("08 giờ làm việc", Limit(WH, 8)),
    ("—", None),
    ("", None),
    ("HĐND tỉnh quy định", None),
])
def test_parse_limit_text(text: str, expected: Limit | None) -> None:
    assert parse_limit_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("25wd", Limit(WD, 25)), ("8WH", Limit(WH, 8)), ("15d", Limit(D, 15)),
    ("sameday", Limit(SAME)), (" SameDay ", Limit(SAME)), ("25 wd", Limit(WD, 25)),
    ("3 ngày làm việc", Limit(WD, 3)), ("0wd", None), ("0 ngày làm việc", None), ("abc", None),
])
def test_parse_limit_code_or_text(text: str, expected: Limit | None) -> None:
    assert parse_limit_or_text(text) == expected


@given(st.sampled_from([WD, WH, D]), st.integers(1, 999))
def test_limit_code_round_trips(kind: LimitKind, amount: int) -> None:
    limit = Limit(kind, amount)
    assert parse_limit_or_text(str(limit)) == limit == parse_limit(str(limit))


def test_same_day_is_the_calendars_limit_without_amount() -> None:
    assert parse_limit_or_text("sameday") == parse_limit("sameday") == Limit(LimitKind.SAME_DAY, 0)
    assert parse_limit_text("Trong ngày") == Limit(LimitKind.SAME_DAY, 0)


@pytest.mark.parametrize(("limit", "hours", "ok"), [
    (Limit(WD, 3), [4, 12, 8], True),
    (Limit(WD, 3), [4, 12, 7], False),
    (Limit(WD, 3), [4, 12, 9], False),
    (Limit(WH, 6), [2, 4], True),
    (Limit(WH, 6), [2, 3], False),
    (Limit(SAME), [1, 3, 2, 1, 1], True),
    (Limit(SAME), [1, 2], True),
    (Limit(SAME), [4, 5], False),
    (Limit(D, 15), [8] * 10, True),  # 15 calendar days hold at least 10 working days
    (Limit(D, 15), [8] * 10 + [1], False),
    (Limit(D, 1), [8], True),
    (Limit(WD, 1), [0, 8], False),
    (Limit(WD, 1), [], True),
])
def test_step_shares(limit: Limit, hours: list[int], ok: bool) -> None:
    assert (step_share_problems(limit, hours) == []) is ok


@given(st.integers(1, 2_000))
def test_default_step_plan_adds_up(total: int) -> None:
    plan = default_step_plan(total)
    assert sum(h for _k, h in plan) == total
    assert all(h >= 1 for _k, h in plan)


@pytest.mark.parametrize(("internal", "legal", "longer"), [
    (Limit(WD, 3), Limit(WD, 5), False),
    (Limit(WD, 6), Limit(WD, 5), True),
    (Limit(WH, 40), Limit(WD, 5), False),
    (Limit(WH, 41), Limit(WD, 5), True),
    (Limit(SAME), Limit(WD, 1), False),
    (Limit(WD, 2), Limit(SAME), True),
    (Limit(D, 10), Limit(D, 15), False),
    (Limit(D, 10), Limit(WD, 15), True),
    (Limit(WD, 10), Limit(D, 15), False),
    (Limit(WD, 11), Limit(D, 15), True),
])
def test_internal_limit_not_longer(internal: Limit, legal: Limit, longer: bool) -> None:
    assert exceeds(internal, legal) is longer


def test_step_budget() -> None:
    assert step_budget(Limit(WD, 25)).hours == 200
    assert step_budget(Limit(SAME)).exact is False


@given(st.sampled_from([WD, WH]), st.integers(0, 999))
def test_step_budget_of_working_kinds_is_the_calendars_working_time(kind: LimitKind, amount: int) -> None:
    limit = Limit(kind, amount)
    assert step_budget(limit).exact is True
    assert step_budget(limit).hours * 3600 == limit.working_seconds


@pytest.mark.parametrize(("text", "folded"), [
    ("Đăng ký khai sinh", "dang ky khai sinh"),
    ("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"),
    ("Chứng thực bản sao", "chung thuc ban sao"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_search_text_keeps_codes() -> None:
    assert search_text("1.001193", "Đăng ký khai sinh", "Hộ tịch") == " 1.001193 dang ky khai sinh ho tich "


def good_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "code": "1.001193", "name": "Đăng ký khai sinh", "field_code": "ho-tich", "field_name": "Hộ tịch",
        "levels": "commune", "steps_text": "Bước 1…", "submission_channels": "direct;online",
        "target_subjects": "Công dân", "implementing_agency": "UBND cấp xã", "result": "Giấy khai sinh",
        "legal_time_limit": "sameday",
        "documents": json.dumps([{"name": "Tờ khai", "originals": 1, "copies": 0}]),
        "fees": json.dumps([{"name": "Lệ phí", "kind": "free"}]),
        "steps": json.dumps([{"name": "Tiếp nhận", "role": "reception_officer", "relative_unit": "receiving_desk",
                              "hours": 2},
                             {"name": "Xử lý", "role": "specialist", "relative_unit": "competent_unit", "hours": 6}]),
        "units": json.dumps([{"role": "competent", "unit_kind": "commune"}]),
    }
    row.update(overrides)
    return row


def test_good_row_parses_and_round_trips() -> None:
    row, problems = parse_row(good_row(), unit_codes=set(), unit_kinds={"commune"})
    assert problems == []
    assert row is not None
    assert row.legal_time_limit == Limit(SAME)
    raw = row_to_raw(row)
    assert set(raw) == set(COLUMNS)
    again, problems = parse_row(raw, unit_codes=set(), unit_kinds={"commune"})
    assert problems == [] and again == row


@pytest.mark.parametrize(("overrides", "column"), [
    ({"code": "1001193"}, "code"),
    ({"name": ""}, "name"),
    ({"levels": "district"}, "levels"),
    ({"levels": ""}, "levels"),
    ({"submission_channels": "fax"}, "submission_channels"),
    ({"legal_time_limit": "soon"}, "legal_time_limit"),
    ({"legal_time_limit": "3wd", "internal_time_limit": "4wd"}, "internal_time_limit"),
    ({"online_level": "total"}, "online_level"),
    ({"is_demo_data": "maybe"}, "is_demo_data"),
    ({"documents": "[{"}, "documents"),
    ({"documents": json.dumps([{"name": "", "copies": -1}])}, "documents"),
    ({"fees": json.dumps([{"name": "Phí", "kind": "tiered_page", "tiers": [[2, 1000]]}])}, "fees"),
    ({"fees": json.dumps([{"name": "Phí", "kind": "gift"}])}, "fees"),
    ({"steps": json.dumps([{"name": "A", "role": "specialist", "relative_unit": "competent_unit", "hours": 9}])},
     "steps"),
    ({"steps": json.dumps([{"name": "A", "role": "boss", "relative_unit": "competent_unit", "hours": 8}])}, "steps"),
    ({"steps": json.dumps([{"name": "A", "role": "specialist", "relative_unit": "competent_unit", "hours": 8,
                            "unit": "999.99.99.H99"}])}, "steps"),
    ({"units": json.dumps([{"role": "competent", "unit": "000.10.01.H12", "unit_kind": "commune"}])}, "units"),
    ({"units": json.dumps([{"role": "competent", "unit_kind": "planet"}])}, "units"),
    ({"colour": "red"}, "colour"),
])
def test_bad_rows_name_the_column(overrides: dict[str, object], column: str) -> None:
    row, problems = parse_row(good_row(**overrides), unit_codes=set(), unit_kinds={"commune"})
    assert row is None
    assert column in {p.column for p in problems}
    assert all(p.render() for p in problems)


def test_variant_steps_must_add_up_on_their_own() -> None:
    steps = [
        {"name": "A", "role": "specialist", "relative_unit": "competent_unit", "hours": 8},
        {"name": "A", "role": "specialist", "relative_unit": "competent_unit", "hours": 4, "unit": "000.10.01.H12"},
    ]
    row, problems = parse_row(good_row(steps=json.dumps(steps), legal_time_limit="1wd"),
                              unit_codes={"000.10.01.H12"}, unit_kinds={"commune"})
    assert row is None
    assert "000.10.01.H12" in problems[0].render()
