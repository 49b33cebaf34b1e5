"""Fee rules (phí, lệ phí) and their computation. Amounts are whole VND (int).

Kinds:

* ``free`` — nothing to pay;
* ``fixed`` — `amount` per dossier, per copy or per case (`basis`);
* ``tiered_page`` — per copy, each page priced by the tier it falls in (a tier runs from its
  `from_page` to the page before the next tier), the copy's total capped at `cap_per_copy`.
  Certified copy (2.000815): tiers (1: 2,000), (3: 1,000), cap 200,000 per copy.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from enum import StrEnum

from motcua.catalog.domain.problems import Problem, gettext_noop
from motcua.catalog.domain.text import fold


class FeeKind(StrEnum):
    FIXED = "fixed"
    FREE = "free"
    TIERED_PAGE = "tiered_page"


class FeeBasis(StrEnum):
    DOSSIER = "dossier"
    COPY = "copy"
    CASE = "case"


@dataclass(frozen=True)
class PageTier:
    from_page: int
    price: int


@dataclass(frozen=True)
class FeeRule:
    kind: FeeKind
    amount: int = 0
    basis: FeeBasis = FeeBasis.DOSSIER
    tiers: tuple[PageTier, ...] = field(default=())
    cap_per_copy: int | None = None


def fee_rule_problems(rule: FeeRule, column: str = "fees") -> list[Problem]:
    """What is wrong with `rule` (empty when it is valid)."""
    problems: list[Problem] = []
    if rule.amount < 0 or any(t.price < 0 for t in rule.tiers) or (rule.cap_per_copy or 0) < 0:
        problems.append(Problem(column, gettext_noop("Amounts cannot be negative; write whole đồng, e.g. 10000.")))
    if rule.kind == FeeKind.FREE and (rule.amount or rule.tiers or rule.cap_per_copy):
        problems.append(Problem(column, gettext_noop("A free fee has no amount, tiers or cap; remove them.")))
    if rule.kind == FeeKind.FIXED and rule.tiers:
        problems.append(Problem(column, gettext_noop("A fixed fee has no page tiers; use the kind tiered_page.")))
    if rule.kind == FeeKind.TIERED_PAGE:
        pages = [t.from_page for t in rule.tiers]
        if not pages or pages[0] != 1 or any(b <= a for a, b in itertools.pairwise(pages)):
            problems.append(Problem(column, gettext_noop(
                "Page tiers must start at page 1 and go up, e.g. [[1, 2000], [3, 1000]].")))
    return problems


def compute_fee(rule: FeeRule, *, pages: int = 1, copies: int = 1, cases: int = 1) -> int:
    """The fee in VND for `copies` copies of `pages` pages (or `cases` cases) under `rule`."""
    if pages < 0 or copies < 0 or cases < 0:
        raise ValueError("pages, copies and cases cannot be negative")
    if rule.kind == FeeKind.FREE:
        return 0
    if rule.kind == FeeKind.FIXED:
        factor = {FeeBasis.DOSSIER: 1, FeeBasis.COPY: copies, FeeBasis.CASE: cases}[rule.basis]
        return rule.amount * factor
    per_copy = 0
    tiers = sorted(rule.tiers, key=lambda t: t.from_page)
    for i, tier in enumerate(tiers):
        last = tiers[i + 1].from_page - 1 if i + 1 < len(tiers) else pages
        covered = min(pages, last) - tier.from_page + 1
        if covered > 0:
            per_copy += covered * tier.price
    if rule.cap_per_copy is not None:
        per_copy = min(per_copy, rule.cap_per_copy)
    return per_copy * copies


_MONEY = r"(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:d|dong|vnd)\b"
_TIERED_RE = re.compile(
    _MONEY + r"\s*/\s*trang\s*\(trang 1\s*[-–]\s*(\d+)\)\s*,?\s*tu trang (\d+)\s*:?\s*"
    + _MONEY + r"\s*/\s*trang\s*,?\s*toi da\s*" + _MONEY + r"\s*/\s*ban"
)
_PER_CASE_RE = re.compile(r"^" + _MONEY + r"\s*/\s*(?:truong hop|lan|ho so)\b")
_PER_COPY_RE = re.compile(r"^" + _MONEY + r"\s*/\s*ban\b")


def _money(text: str) -> int:
    return int(text.replace(".", ""))


def parse_fee_text(text: str) -> tuple[FeeRule, ...] | None:
    """Fee rules read from catalogue text where it is clear; None when it is not (keep it as a note).

    Understood: "2.000đ/trang (trang 1–2), từ trang 3: 1.000đ/trang, tối đa 200.000đ/bản" (tiered),
    "10.000đ/trường hợp" (fixed per case), "8.000đ/bản" (fixed per copy), "Không", "Miễn …" without
    a council-set alternative, "Miễn khi đúng hạn …" (free; late registration fees are a note).
    """
    folded = fold(text).replace("[k]", "").strip()
    # Drop a source reference in brackets at the end: "8.000đ/bản (TT 281/2016/TT-BTC)".
    folded = re.sub(r"\s*\((?:tt|nd|qd|luat)[^)]*\)\s*$", "", folded)
    if not folded or folded in {"-", "—"}:
        return None
    tiered = _TIERED_RE.search(folded)
    if tiered:
        first, upto, second_from, second, cap = tiered.groups()
        if int(second_from) != int(upto) + 1:
            return None
        return (FeeRule(FeeKind.TIERED_PAGE, basis=FeeBasis.COPY,
                        tiers=(PageTier(1, _money(first)), PageTier(int(second_from), _money(second))),
                        cap_per_copy=_money(cap)),)
    case = _PER_CASE_RE.match(folded)
    if case:
        return (FeeRule(FeeKind.FIXED, amount=_money(case.group(1)), basis=FeeBasis.CASE),)
    copy = _PER_COPY_RE.match(folded)
    if copy:
        return (FeeRule(FeeKind.FIXED, amount=_money(copy.group(1)), basis=FeeBasis.COPY),)
    if folded.startswith("khong") and len(folded) <= 20:
        return (FeeRule(FeeKind.FREE),)
    if folded.startswith("mien khi dung han") or (folded.startswith("mien") and "hdnd" not in folded):
        return (FeeRule(FeeKind.FREE),)
    return None
