"""The procedure catalogue (read only): diacritic-insensitive search and one procedure in full."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from motcua.api.problems import Problem, not_found
from motcua.api.types import LINE, PROCEDURE_CODE
from motcua.catalog import selectors as catalog

router = Router(tags=["catalogue"])


class FieldOut(Schema):
    code: str
    name: str


class LimitOut(Schema):
    kind: str = Field(..., description="wd (working days), wh (working hours), d (calendar days), sameday")
    amount: int
    text: str


class ProcedureSummary(Schema):
    code: str
    name: str
    field: FieldOut
    levels: list[str]
    online_level: str
    limit: LimitOut
    is_demo_data: bool


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ProcedureSummary]


class DocumentOut(Schema):
    id: int
    order: int
    name: str
    originals: int
    copies: int
    mandatory: bool
    template_url: str
    note: str


class FeeOut(Schema):
    name: str
    kind: str
    amount: int
    basis: str
    tiers: list[list[int]]
    cap_per_copy: int | None
    note: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    relative_unit: str
    hours: int


class ProcedureOut(ProcedureSummary):
    legal_limit: LimitOut
    internal_limit: LimitOut | None
    time_limit_note: str
    steps_text: str
    submission_channels: list[str]
    target_subjects: str
    implementing_agency: str
    result: str
    result_kind: str
    legal_basis: str
    fee_note: str
    demo_note: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    steps: list[StepOut]


class ProcedureFilter(Schema):
    q: str = Field("", max_length=200, pattern=LINE, description="Words of the code or name, diacritics optional")
    field: str = Field("", max_length=40, pattern=r"^[-a-zA-Z0-9_]*$", description="Field code")
    level: Literal["", "province", "commune"] = ""
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=catalog.MAX_PAGE_SIZE)


def _limit(limit: Any) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {"kind": limit.kind.value, "amount": limit.amount, "text": str(limit)}


def _summary(p: Any) -> dict[str, Any]:
    return {
        "code": p.code, "name": p.name, "field": {"code": p.field.code, "name": p.field.name},
        "levels": sorted(lv.level for lv in p.levels.all()), "online_level": p.online_level,
        "limit": _limit(catalog.limit_of(p)), "is_demo_data": p.is_demo_data,
    }


@router.get("/procedures", response=ProcedurePage, summary="Search the procedure catalogue")
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilter]) -> dict[str, Any]:
    page = catalog.search_procedures(filters.q, page=filters.page, per_page=filters.page_size,
                                     field_code=filters.field, level=filters.level)
    rows = list(page.object_list.prefetch_related("levels")) if hasattr(page.object_list, "prefetch_related") \
        else list(page.object_list)
    return {"count": page.paginator.count, "page": page.number, "page_size": page.paginator.per_page,
            "results": [_summary(p) for p in rows]}


@router.get("/procedures/{code}", response={200: ProcedureOut, 404: Problem}, summary="One procedure in full")
def get_procedure(request: HttpRequest, code: str = Path(..., pattern=PROCEDURE_CODE)) -> Any:
    p = catalog.procedure_by_code(code)
    if p is None or not p.is_active:
        raise not_found("procedure")
    return {
        **_summary(p),
        "legal_limit": _limit(p.legal_limit), "internal_limit": _limit(p.internal_limit),
        "time_limit_note": p.time_limit_note, "steps_text": p.steps_text,
        "submission_channels": list(p.submission_channels or []), "target_subjects": p.target_subjects,
        "implementing_agency": p.implementing_agency, "result": p.result, "result_kind": p.result_kind,
        "legal_basis": p.legal_basis, "fee_note": p.fee_note, "demo_note": p.demo_note,
        "documents": [
            {"id": d.pk, "order": d.order, "name": d.name, "originals": d.originals, "copies": d.copies,
             "mandatory": d.mandatory, "template_url": d.template.url if d.template else "", "note": d.note}
            for d in sorted(p.documents.all(), key=lambda d: (d.order, d.pk))
        ],
        "fees": [
            {"name": f.name, "kind": f.kind, "amount": f.amount, "basis": f.basis,
             "tiers": [[int(a), int(b)] for a, b in f.tiers or []], "cap_per_copy": f.cap_per_copy, "note": f.note}
            for f in sorted(p.fees.all(), key=lambda f: (f.order, f.pk))
        ],
        "steps": [{"order": s.order, "name": s.name, "role": s.role, "relative_unit": s.relative_unit,
                   "hours": s.hours} for s in catalog.step_template(p)],
    }
