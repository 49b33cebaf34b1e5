"""Readers of the catalogue: search, lookups, step templates, fee rules, export rows.

The catalogue is public (citizens look procedures up), so these readers take no user; writers check
`Action.CATALOG_MANAGE` in `motcua.catalog.services`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from motcua.catalog import intake_cache
from motcua.catalog.domain.fees import FeeBasis, FeeKind, PageTier
from motcua.catalog.domain.fees import FeeRule as FeeSpec
from motcua.catalog.domain.rows import DocumentRow, FeeRow, ProcedureRow, StepRow, UnitLinkRow, row_to_raw
from motcua.catalog.domain.text import search_terms
from motcua.catalog.models import FeeRule, Field, Procedure, ProcedureUnit, ProcessStep, UnitRoles
from motcua.core.models import Unit
from motcua.workcalendar.domain import Limit

MAX_PAGE_SIZE = 100


def fields() -> QuerySet[Field]:
    return Field.objects.order_by("name")


def procedures(*, query: str = "", field_code: str = "", level: str = "", unit: Unit | None = None,
               include_inactive: bool = False) -> QuerySet[Procedure]:
    """Procedures matching a diacritic-insensitive query ("dang ky khai sinh" finds "Đăng ký khai sinh").

    Every word of the query must start a word of the code, name or field (filtered in SQL on the
    stored folded column). `unit`: only procedures that unit is competent for (directly or by kind).
    """
    qs = Procedure.objects.select_related("field")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    for term in search_terms(query):
        qs = qs.filter(search_text__contains=f" {term}")
    if field_code:
        qs = qs.filter(field__code=field_code)
    if level:
        qs = qs.filter(levels__level=level)
    if unit is not None:
        links = ProcedureUnit.objects.filter(role=UnitRoles.COMPETENT).filter(Q(unit=unit) | Q(unit_kind=unit.kind))
        qs = qs.filter(pk__in=links.values("procedure_id"))
    return qs.order_by("code")


def search_procedures(query: str = "", *, page: int = 1, per_page: int = 20, **filters: Any) -> Page:
    """One page of `procedures(query, **filters)`; `per_page` is capped at 100."""
    paginator = Paginator(procedures(query=query, **filters), max(1, min(per_page, MAX_PAGE_SIZE)))
    return paginator.get_page(page)


def procedure_by_code(code: str) -> Procedure | None:
    return (
        Procedure.objects.select_related("field")
        .prefetch_related("levels", "documents", "fees", "unit_links__unit")
        .filter(code=code).first()
    )


def procedure_for_intake(code: str) -> Procedure | None:
    """The procedure row (limits are columns), from the in-process intake cache (`intake_cache`): its steps,
    links and documents then come from the same cache. Read-only: do not modify or save it."""
    found = intake_cache.entry(code)
    return found.procedure if found is not None else None


def document_ids(procedure: Procedure) -> set[int]:
    found = intake_cache.cached(procedure)
    if found is not None:
        return set(found.document_ids)
    return set(procedure.documents.values_list("pk", flat=True))


def step_template(procedure: Procedure, unit: Unit | None = None) -> list[ProcessStep]:
    """The steps that apply at `unit`: the variant of the nearest unit on its path, else the template."""
    codes = [c for c in unit.path.split("/") if c] if unit is not None else []
    found = intake_cache.cached(procedure)
    if found is not None:
        wanted = set(codes)
        rows = [s for s in found.steps if s.unit is None or s.unit.code in wanted]
    else:  # one query: the template (no unit) and the variants of the units on the path; choose here
        rows = list(ProcessStep.objects.filter(Q(unit__isnull=True) | Q(unit__code__in=codes), procedure=procedure)
                    .select_related("unit").order_by("order", "pk"))
    variants = [s for s in rows if s.unit is not None]
    if variants:
        deepest = max(variants, key=lambda s: s.unit.depth if s.unit else -1).unit_id
        return [s for s in variants if s.unit_id == deepest]
    return [s for s in rows if s.unit is None]


def fee_spec(fee: FeeRule) -> FeeSpec:
    """The pure rule for `motcua.catalog.domain.compute_fee`."""
    return FeeSpec(kind=FeeKind(fee.kind), amount=fee.amount, basis=FeeBasis(fee.basis),
                   tiers=tuple(PageTier(int(a), int(b)) for a, b in fee.tiers or []),
                   cap_per_copy=fee.cap_per_copy)


def competent_links(procedure: Procedure) -> tuple[frozenset[int], frozenset[str]]:
    """The competent units listed by id, and the unit kinds listed (every active unit of a kind): one query."""
    found = intake_cache.cached(procedure)
    if found is not None:
        return found.competent
    rows = list(procedure.unit_links.filter(role=UnitRoles.COMPETENT).values_list("unit_id", "unit_kind"))
    return frozenset(u for u, _k in rows if u is not None), frozenset(k for _u, k in rows if k)


def is_competent(links: tuple[frozenset[int], frozenset[str]], unit: Unit) -> bool:
    """Is `unit` one of `competent_units(procedure)`, given `competent_links(procedure)` (no query)."""
    ids, kinds = links
    return unit.is_active and (unit.pk in ids or unit.kind in kinds)


def competent_units(procedure: Procedure) -> QuerySet[Unit]:
    """Units that resolve `procedure`: listed ones and every active unit of a listed kind."""
    links = procedure.unit_links.filter(role=UnitRoles.COMPETENT)
    kinds = [k for k in links.values_list("unit_kind", flat=True) if k]
    return Unit.objects.filter(Q(pk__in=links.values("unit_id")) | Q(kind__in=kinds), is_active=True)


def _as_row(p: Procedure) -> ProcedureRow:
    return ProcedureRow(
        code=p.code, name=p.name, field_code=p.field.code, field_name=p.field.name,
        levels=tuple(sorted(lv.level for lv in p.levels.all())), steps_text=p.steps_text,
        submission_channels=tuple(p.submission_channels), target_subjects=p.target_subjects,
        implementing_agency=p.implementing_agency, result=p.result, result_kind=p.result_kind,
        legal_basis=p.legal_basis, legal_time_limit=p.legal_limit, internal_time_limit=p.internal_limit,
        time_limit_note=p.time_limit_note, online_level=p.online_level, fee_note=p.fee_note,
        is_demo_data=p.is_demo_data, demo_note=p.demo_note,
        documents=tuple(DocumentRow(d.name, d.originals, d.copies, d.mandatory, d.template.name or "", d.note)
                        for d in p.documents.all()),
        fees=tuple(FeeRow(f.name, fee_spec(f), f.note) for f in p.fees.all()),
        steps=tuple(StepRow(s.name, s.role, s.relative_unit, s.hours, s.unit.code if s.unit else "")
                    for s in p.steps.all()),
        units=tuple(UnitLinkRow(u.role, u.unit.code if u.unit else "", u.unit_kind) for u in p.unit_links.all()),
    )


def export_rows(*, chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """Every procedure as an import row (native JSON values), in code order; streams in chunks."""
    qs = Procedure.objects.select_related("field").order_by("code").prefetch_related(
        "levels", "documents", "fees",
        Prefetch("steps", queryset=ProcessStep.objects.select_related("unit").order_by("unit__path", "order")),
        Prefetch("unit_links", queryset=ProcedureUnit.objects.select_related("unit").order_by(
            "role", "unit_kind", "unit__path")),
    )
    for procedure in qs.iterator(chunk_size=chunk_size):
        yield row_to_raw(_as_row(procedure))


def limit_of(procedure: Procedure) -> Limit:
    """The limit a dossier of `procedure` gets (internal when the province set one, else legal).

    A working-calendar `Limit`: pass it straight to `WorkCalendar.due(received_at, limit)`.
    """
    return procedure.effective_limit
