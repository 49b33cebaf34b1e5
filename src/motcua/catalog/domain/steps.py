"""Process-step templates: each step has a share of the time limit in working hours.

See `motcua.catalog.domain.limits` for the budget rule: shares add up to exactly the limit for
``wd``/``wh`` and fit within it for ``sameday`` (8 h) and ``d`` (amount × 5 // 7 working days).
The limit that counts is the internal (shortened) one when a procedure has it, else the legal one.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from motcua.catalog.domain.limits import step_budget
from motcua.catalog.domain.problems import Problem, gettext_noop
from motcua.workcalendar.domain import Limit


class RelativeUnit(StrEnum):
    """Where a step happens, relative to the dossier (resolved to a real unit per dossier)."""

    RECEIVING_DESK = "receiving_desk"
    COMPETENT_UNIT = "competent_unit"
    COMPETENT_DIVISION = "competent_division"
    COMPETENT_UNIT_LEADER = "competent_unit_leader"
    COORDINATING_UNIT = "coordinating_unit"


STEP_ROLES = ("reception_officer", "specialist", "leader", "clerk")


def step_share_problems(limit: Limit, hours: Sequence[int], column: str = "steps") -> list[Problem]:
    """What is wrong with these step shares under `limit` (empty when valid; no steps is valid)."""
    if not hours:
        return []
    if any(h < 1 for h in hours):
        return [Problem(column, gettext_noop("Every step needs a share of at least 1 working hour."))]
    total = sum(hours)
    budget = step_budget(limit)
    params = {"total": total, "budget": budget.hours, "limit": str(limit)}
    if budget.exact and total != budget.hours:
        return [Problem(column, gettext_noop(
            "The step shares add up to %(total)s working hours but the time limit %(limit)s is "
            "%(budget)s working hours; change the shares so that they add up to %(budget)s."), params)]
    if not budget.exact and total > budget.hours:
        return [Problem(column, gettext_noop(
            "The step shares add up to %(total)s working hours but the time limit %(limit)s allows at "
            "most %(budget)s; shorten the shares."), params)]
    return []


def default_step_plan(total_hours: int) -> list[tuple[str, int]]:
    """A plausible split of `total_hours` over reception → appraisal → approval → issue → return.

    Keys are "reception", "appraisal", "approval", "issue", "return"; the shares add up to
    `total_hours`. Very short limits (under 6 h) get one appraisal step.
    """
    if total_hours < 1:
        raise ValueError("total_hours must be at least 1")
    if total_hours < 6:
        return [("appraisal", total_hours)]
    small = total_hours <= 3 * 8
    reception, approval, issue, returning = (1, 2, 1, 1) if small else (4, 8, 4, 4)
    appraisal = total_hours - reception - approval - issue - returning
    return [("reception", reception), ("appraisal", appraisal), ("approval", approval), ("issue", issue),
            ("return", returning)]
