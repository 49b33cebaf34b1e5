"""Pure rules of the procedure catalogue: fees, time limits, step shares, import rows. No Django here.

Time limits are the working calendar's `motcua.workcalendar.domain.Limit` / `LimitKind`; import them
from there. This package only adds what is catalogue-specific (Vietnamese text, step budgets).
"""

from motcua.catalog.domain.fees import FeeBasis, FeeKind, FeeRule, PageTier, compute_fee, parse_fee_text
from motcua.catalog.domain.limits import (
    StepBudget,
    exceeds,
    is_catalogue_limit,
    parse_limit_or_text,
    parse_limit_text,
    step_budget,
)
from motcua.catalog.domain.problems import Problem
from motcua.catalog.domain.steps import default_step_plan, step_share_problems
from motcua.catalog.domain.text import fold, search_terms, search_text

__all__ = [
    "FeeBasis",
    "FeeKind",
    "FeeRule",
    "PageTier",
    "Problem",
    "StepBudget",
    "compute_fee",
    "default_step_plan",
    "exceeds",
    "fold",
    "is_catalogue_limit",
    "parse_fee_text",
    "parse_limit_or_text",
    "parse_limit_text",
    "search_terms",
    "search_text",
    "step_budget",
    "step_share_problems",
]
