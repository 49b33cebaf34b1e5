"""Index scores, the one configuration and its province override, Biểu II.06a arithmetic (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.metrics import domain as m


@pytest.mark.parametrize(("num", "den", "points", "threshold", "expected"), [
    (8, 10, 4, Decimal("0.8"), Fraction(4)),  # exactly at the threshold: full points
    (9, 10, 4, Decimal("0.8"), Fraction(4)),  # above it: full points, never more
    (4, 10, 4, Decimal("0.8"), Fraction(2)),  # 0.4 × 4 / 0.8
    (1, 3, 4, Decimal("0.5"), Fraction(8, 3)),  # exact: (1/3) × 4 / 0.5
    (3, 4, 20, None, Fraction(15)),  # no threshold: R × max
    (0, 7, 6, None, Fraction(0)),  # a real zero (there were dossiers, none synchronised)
    (5, 5, 6, None, Fraction(6)),
])
def test_score_table(num, den, points, threshold, expected):
    s = m.score(num, den, points, threshold)
    assert s is not None
    assert s.score == expected and s.ratio == Fraction(num, den) and s.max_score == points


def test_no_denominator_is_no_data_not_zero_nor_full_marks():
    assert m.score(0, 0, 20) is None
    assert m.score(0, 0, 4, Decimal("0.8")) is None


@pytest.mark.parametrize(("num", "den"), [(3, 2), (-1, 2), (1, -2)])
def test_impossible_counts_are_refused(num, den):
    with pytest.raises(ValueError):
        m.score(num, den, 4)


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 30),
       st.one_of(st.none(), st.decimals(min_value=Decimal("0.01"), max_value=1, places=2)))
def test_score_is_between_zero_and_its_points_and_grows_with_the_ratio(num, den, points, threshold):
    num = min(num, den)
    s = m.score(num, den, points, threshold)
    assert s is not None and 0 <= s.score <= points
    if num < den:
        better = m.score(num + 1, den, points, threshold)
        assert better is not None and better.score >= s.score


def test_rounding_is_half_up_for_display_only():
    assert m.rounded(Fraction(1, 8)) == Decimal("0.13")
    assert m.rounded(Fraction(2, 3), 4) == Decimal("0.6667")
    assert m.rounded(Fraction(-1, 8)) == Decimal("-0.13")


def test_default_configuration_is_the_published_one():
    c = m.DEFAULT
    assert {g.value: int(v) for g, v in c.group_max.items()} == {
        "transparency": 18, "progress": 20, "online_service": 12, "online_payment": 10, "satisfaction": 18,
        "digitization": 22}
    assert sum(c.group_max.values()) == 100
    assert c.indicator("1.4").points == 6 and c.indicator("2.1").points == 20
    thresholds = {s.code: s.threshold for s in c.indicators if s.threshold is not None}
    assert thresholds == {"3.1": Decimal("0.80"), "3.3": Decimal("0.50"), "3.5": Decimal("0.80"),
                          "4.2": Decimal("0.80"), "4.3": Decimal("0.80"), "5.4": Decimal("0.90")}
    for group, maximum in c.group_max.items():  # each group's indicators fit in it
        assert sum(s.points for s in c.of_group(group)) <= maximum


def test_a_province_revises_the_split_inside_a_group():
    c = m.configure({"indicators": {"3.1": {"points": 2}, "3.3": {"points": 6, "threshold": 0.6}}})
    assert c.indicator("3.1").points == 2 and c.indicator("3.1").threshold == Decimal("0.80")
    assert c.indicator("3.3").points == 6 and c.indicator("3.3").threshold == Decimal("0.6")
    assert m.DEFAULT.indicator("3.3").points == 4  # the default is untouched
    assert m.configure({"indicators": {"4.4": {"threshold": None}}}).indicator("4.4").threshold is None
    assert m.configure(None) is m.DEFAULT


@pytest.mark.parametrize(("overrides", "message"), [
    ({"indicators": {"3.1": {"points": 9}}}, "more than its maximum"),
    ({"indicators": {"9.9": {"points": 1}}}, "unknown indicator"),
    ({"indicators": {"3.1": {"points": -1}}}, "negative"),
    ({"indicators": {"3.1": {"threshold": 1.5}}}, "(0, 1]"),
    ({"indicators": {"3.1": {"threshold": 0}}}, "(0, 1]"),
    ({"indicators": {"3.1": {"points": "many"}}}, "a number"),
    ({"indicators": {"3.1": {"points": True}}}, "a number"),
    ({"indicators": {"3.1": {"weight": 1}}}, "only 'points'"),
    ({"groups": {}}, "unknown keys"),
])
def test_a_wrong_configuration_is_refused_with_a_reason(overrides, message):
    with pytest.raises(m.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        m.configure(overrides)


def test_groups_only_count_indicators_with_data():
    scores = {"3.1": m.score(8, 10, 4, Decimal("0.8")), "3.2": None, "3.3": m.score(1, 4, 4, Decimal("0.5"))}
    online = next(g for g in m.group_scores(m.DEFAULT, scores) if g.group is m.Group.ONLINE_SERVICE)
    assert online.score == 4 + 2 and online.max_score == 8 and online.full_max_score == 12
    assert (online.with_data, online.indicators) == (2, 3)
    satisfaction = next(g for g in m.group_scores(m.DEFAULT, scores) if g.group is m.Group.SATISFACTION)
    assert satisfaction.score == 0 and satisfaction.max_score == 0 and satisfaction.with_data == 0


def test_ii06a_row_arithmetic():
    c = m.Ii06aCounts(received_online=3, received_other=4, carried_over=2, finished_early=2, finished_on_time=1,
                      finished_late=1, supplement_on_time=1, supplement_late=1, open_at_end=5, overdue_at_end=1)
    row = m.ii06a_row(c)
    assert row.values() == (9, 3, 4, 2, 6, 2, 2, 2, 3, 2, 1)
    assert row.received_total == row.resolved_total + row.in_progress_total
    assert row.on_time_or_early == 2 + 2 + 2
    with pytest.raises(ValueError, match="inconsistent"):
        m.ii06a_row(m.Ii06aCounts(received_other=1))  # received but neither resolved nor in progress


def test_periods():
    q = m.quarter(2026, 1)
    assert (q.first, q.last, q.days) == (date(2026, 1, 1), date(2026, 3, 31), 90)
    assert m.quarter(2026, 4).last == date(2026, 12, 31)
    assert q.previous() == m.Period(date(2025, 10, 3), date(2025, 12, 31))
    assert q.end_day == date(2026, 4, 1)
    with pytest.raises(ValueError):
        m.Period(date(2026, 2, 1), date(2026, 1, 31))
    with pytest.raises(ValueError):
        m.quarter(2026, 5)
