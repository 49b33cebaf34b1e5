"""Pure rules of the procedure catalogue: fees, time limits, step shares, import rows. No Django here."""

from motcua.catalog.domain.fees import FeeBasis, FeeKind, FeeRule, PageTier, compute_fee, parse_fee_text
from motcua.catalog.domain.limits import (
    HOURS_PER_WORKING_DAY,
    LimitKind,
    TimeLimit,
    exceeds,
    parse_limit,
    parse_limit_code,
    parse_time_limit,
    step_budget,
)
from motcua.catalog.domain.problems import Problem
from motcua.catalog.domain.steps import default_step_plan, step_share_problems
from motcua.catalog.domain.text import fold, search_terms, search_text

__all__ = [
    "HOURS_PER_WORKING_DAY",
    "FeeBasis",
    "FeeKind",
    "FeeRule",
    "LimitKind",
    "PageTier",
    "Problem",
    "TimeLimit",
    "compute_fee",
    "default_step_plan",
    "exceeds",
    "fold",
    "parse_fee_text",
    "parse_limit",
    "parse_limit_code",
    "parse_time_limit",
    "search_terms",
    "search_text",
    "step_budget",
    "step_share_problems",
]
