"""Scores of the service index and the Biểu II.06a arithmetic. Pure, exact (fractions), rounded only for display.

* A ratio R = numerator / denominator. With a threshold T the score is `max` when R ≥ T, else
  `R × max / T`; without a threshold it is `R × max`.
* A zero denominator is "no data": no ratio, no score (never a silent zero or full marks). A group's
  score and maximum only count its indicators with data; so does the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .config import Group, IndexConfig, IndicatorSpec


@dataclass(frozen=True, slots=True)
class Score:
    numerator: int
    denominator: int
    ratio: Fraction
    score: Fraction
    max_score: Fraction


def score(numerator: int, denominator: int, points: Decimal | Fraction | int,
          threshold: Decimal | Fraction | None = None) -> Score | None:
    """The score of `numerator / denominator` worth `points` (None: no data)."""
    if numerator < 0 or denominator < 0:
        raise ValueError(f"counts cannot be negative: {numerator}/{denominator}")
    if numerator > denominator:
        raise ValueError(f"a numerator ({numerator}) cannot exceed its denominator ({denominator})")
    if denominator == 0:
        return None
    ratio = Fraction(numerator, denominator)
    maximum = Fraction(points)
    if threshold is None:
        value = ratio * maximum
    else:
        t = Fraction(threshold)
        value = maximum if ratio >= t else ratio * maximum / t
    return Score(numerator, denominator, ratio, value, maximum)


def rounded(value: Fraction, places: int = 2) -> Decimal:
    """Half-up rounding of an exact value, for display."""
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class GroupScore:
    group: Group
    score: Fraction
    max_score: Fraction  # the points of its indicators with data
    full_max_score: Fraction  # the group's maximum in the Decision
    with_data: int
    indicators: int


def group_scores(config: IndexConfig, scores: dict[str, Score | None]) -> list[GroupScore]:
    out = []
    for group, maximum in config.group_max.items():
        specs: Iterable[IndicatorSpec] = config.of_group(group)
        got = [scores.get(s.code) for s in specs]
        with_data = [s for s in got if s is not None]
        out.append(GroupScore(group, sum((s.score for s in with_data), Fraction(0)),
                              sum((s.max_score for s in with_data), Fraction(0)), Fraction(maximum),
                              len(with_data), len(got)))
    return out


# ---- Biểu II.06a ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ii06aCounts:
    """What the rollups give for a unit (or a field of it) and a period."""

    received_online: int = 0
    received_other: int = 0
    carried_over: int = 0  # open just before the period start
    finished_early: int = 0
    finished_on_time: int = 0  # ended in time: resolved at the appointment, withdrawn, stopped
    finished_late: int = 0
    supplement_on_time: int = 0  # awaiting supplement at the period end, requested in time
    supplement_late: int = 0
    open_at_end: int = 0  # open just before the period end (awaiting supplement included)
    overdue_at_end: int = 0  # in progress and overdue at the period end

    def __add__(self, other: Ii06aCounts) -> Ii06aCounts:
        return Ii06aCounts(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, ...]:
        return (self.received_online, self.received_other, self.carried_over, self.finished_early,
                self.finished_on_time, self.finished_late, self.supplement_on_time, self.supplement_late,
                self.open_at_end, self.overdue_at_end)


II06A_COLUMNS = (
    "received_total", "received_online", "received_direct_postal", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "in_progress_total", "in_progress_in_time", "in_progress_overdue",
)


@dataclass(frozen=True, slots=True)
class Ii06aRow:
    """The 11 figures of a row of Biểu II.06a (columns 3–13 of the printed form)."""

    received_total: int
    received_online: int
    received_direct_postal: int
    carried_over: int
    resolved_total: int
    resolved_early: int
    resolved_on_time: int  # withdrawn, stopped and returned for supplement in time included
    resolved_late: int
    in_progress_total: int
    in_progress_in_time: int
    in_progress_overdue: int

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in II06A_COLUMNS)

    @property
    def on_time_or_early(self) -> int:
        """Indicator 2.1's numerator: ended early or on time, plus in progress in time."""
        return self.resolved_early + self.resolved_on_time + self.in_progress_in_time


def ii06a_row(c: Ii06aCounts) -> Ii06aRow:
    """The report row; received total = resolved + in progress holds by construction (checked)."""
    received = c.received_online + c.received_other + c.carried_over
    on_time = c.finished_on_time + c.supplement_on_time
    late = c.finished_late + c.supplement_late
    resolved = c.finished_early + on_time + late
    in_progress = c.open_at_end - c.supplement_on_time - c.supplement_late
    in_time = in_progress - c.overdue_at_end
    if min(in_progress, in_time, c.overdue_at_end) < 0 or received != resolved + in_progress:
        raise ValueError(f"inconsistent rollup counts: {c}")
    return Ii06aRow(received, c.received_online, c.received_other, c.carried_over, resolved, c.finished_early,
                    on_time, late, in_progress, in_time, c.overdue_at_end)
