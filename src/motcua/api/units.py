"""Units and counters, scoped to the caller's reach."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from motcua.api.problems import Problem, not_found
from motcua.api.types import LINE
from motcua.core import selectors, services
from motcua.core.domain.permissions import Action
from motcua.core.permissions import can

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None = Field(None, alias="parent.code")
    address: str
    phone: str
    is_one_stop_desk: bool
    office_hours: dict[str, list[list[str]]]


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[UnitOut]


class UnitFilter(Schema):
    q: str | None = Field(None, max_length=100, pattern=LINE, description="Part of the name or code")
    kind: str | None = Field(None, max_length=20, pattern=LINE)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class CounterOut(Schema):
    number: int
    name: str
    is_active: bool


class CounterIn(Schema):
    number: int = Field(..., ge=1, le=999)
    name: str = Field("", max_length=120)


@router.get("/units", response=UnitPage, summary="Units the caller may see")
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> dict[str, object]:
    qs = selectors.visible_units(request.user)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q) | qs.filter(code__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    qs = qs.order_by("path")
    start = (filters.page - 1) * filters.page_size
    return {
        "count": qs.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": list(qs[start : start + filters.page_size]),
    }


@router.get("/units/{code}", response={200: UnitOut, 404: Problem}, summary="One unit")
def get_unit(request: HttpRequest, code: str) -> object:
    unit = selectors.unit_by_code(request.user, code)
    if unit is None:
        raise not_found("unit")
    return unit


@router.get("/units/{code}/counters", response={200: list[CounterOut], 404: Problem}, summary="Counters of a unit")
def list_counters(request: HttpRequest, code: str) -> object:
    unit = selectors.unit_by_code(request.user, code)
    if unit is None:
        raise not_found("unit")
    return list(selectors.counters_of(request.user, unit))


@router.post(
    "/units/{code}/counters",
    response={201: CounterOut, 403: Problem, 404: Problem, 422: Problem},
    summary="Open a counter at a unit",
)
def create_counter(request: HttpRequest, code: str, payload: CounterIn) -> object:
    unit = selectors.unit_by_code(request.user, code)
    if unit is None:
        raise not_found("unit")
    if not can(request.user, Action.UNIT_MANAGE, unit):
        raise PermissionDenied(_("You cannot manage this unit."))
    counter = services.create_counter(actor=request.user, unit=unit, number=payload.number, name=payload.name)
    return Status(201, counter)
