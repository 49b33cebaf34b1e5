"""Writers of the catalogue. One use case = one function = one transaction.

Importing validates every row first (pure `domain.rows.parse_row`, plus which unit codes exist) and
writes nothing when any row is wrong; then it writes all rows in one transaction. A procedure with
the same code is updated, and its documents, fees, steps, levels and unit links are replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.catalog.domain.problems import Problem
from motcua.catalog.domain.rows import ProcedureRow, parse_row
from motcua.catalog.domain.steps import step_share_problems
from motcua.catalog.domain.text import search_text
from motcua.catalog.models import (
    FeeRule,
    Field,
    Procedure,
    ProcedureLevel,
    ProcedureUnit,
    ProcessStep,
    RequiredDocument,
)
from motcua.core.domain.permissions import Action
from motcua.core.models import Unit
from motcua.core.permissions import can, has_any

if TYPE_CHECKING:
    from motcua.core.models import User

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowProblem:
    """A problem in one row of an import file, with its message already translated."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


class CatalogImportError(Exception):
    """The file has problems; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(_("%(count)s problem(s) found; nothing was imported.") % {"count": len(problems)})
        self.problems = problems


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    codes: list[str] = field(default_factory=list)


def render_problem(problem: Problem) -> str:
    return problem.render(_)


def _check_actor(actor: User | None) -> None:
    if actor is not None and not has_any(actor, Action.CATALOG_MANAGE):
        raise PermissionDenied(_("You cannot manage the procedure catalogue."))


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]], *, progress: Progress | None = None, total: int = 0,
) -> tuple[list[ProcedureRow], list[RowProblem]]:
    """Parse every row; return the parsed rows and every problem (row numbers as given)."""
    unit_codes = set(Unit.objects.values_list("code", flat=True))
    unit_kinds = set(Unit.Kind.values)
    parsed: list[ProcedureRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for done, (number, raw) in enumerate(rows, start=1):
        row, row_problems = parse_row(raw, unit_codes=unit_codes, unit_kinds=unit_kinds)
        problems.extend(RowProblem(number, p.column, render_problem(p)) for p in row_problems)
        code = str(raw.get("code") or "").strip()
        if code and code in seen:
            problems.append(RowProblem(number, "code", _(
                "The code %(code)s is already used in row %(other)s; each procedure appears once.")
                % {"code": code, "other": seen[code]}))
        elif row is not None:
            parsed.append(row)
        seen.setdefault(code, number)
        if progress is not None:
            progress("validate", done, total)
    return parsed, problems


def _save_row(row: ProcedureRow, fields: dict[str, Field], units: dict[str, Unit]) -> bool:
    """Write one parsed row; True when the procedure was created."""
    fld = fields.get(row.field_code)
    if fld is None:
        fld, _created = Field.objects.update_or_create(code=row.field_code, defaults={"name": row.field_name})
        fields[row.field_code] = fld
    internal = row.internal_time_limit
    procedure, created = Procedure.objects.update_or_create(
        code=row.code,
        defaults={
            "name": row.name, "field": fld, "steps_text": row.steps_text,
            "submission_channels": list(row.submission_channels), "target_subjects": row.target_subjects,
            "implementing_agency": row.implementing_agency, "result": row.result,
            "result_kind": row.result_kind, "legal_basis": row.legal_basis,
            "legal_limit_kind": row.legal_time_limit.kind.value,
            "legal_limit_amount": row.legal_time_limit.amount,
            "internal_limit_kind": internal.kind.value if internal else "",
            "internal_limit_amount": internal.amount if internal else None,
            "time_limit_note": row.time_limit_note, "online_level": row.online_level,
            "fee_note": row.fee_note, "is_demo_data": row.is_demo_data, "demo_note": row.demo_note,
            "search_text": search_text(row.code, row.name, row.field_name),
        },
    )
    if not created:
        for related in (procedure.levels, procedure.documents, procedure.fees, procedure.steps,
                        procedure.unit_links):
            related.all().delete()
    ProcedureLevel.objects.bulk_create(ProcedureLevel(procedure=procedure, level=lv) for lv in row.levels)
    RequiredDocument.objects.bulk_create(
        RequiredDocument(procedure=procedure, order=i, name=d.name, originals=d.originals, copies=d.copies,
                         mandatory=d.mandatory, template=d.template, note=d.note)
        for i, d in enumerate(row.documents, start=1)
    )
    FeeRule.objects.bulk_create(
        FeeRule(procedure=procedure, order=i, name=f.name, kind=f.rule.kind.value, amount=f.rule.amount,
                basis=f.rule.basis.value, tiers=[[t.from_page, t.price] for t in f.rule.tiers],
                cap_per_copy=f.rule.cap_per_copy, note=f.note)
        for i, f in enumerate(row.fees, start=1)
    )
    orders: dict[str, int] = {}
    steps = []
    for s in row.steps:
        orders[s.unit] = orders.get(s.unit, 0) + 1
        steps.append(ProcessStep(procedure=procedure, unit=units[s.unit] if s.unit else None, order=orders[s.unit],
                                 name=s.name, role=s.role, relative_unit=s.relative_unit, hours=s.hours))
    ProcessStep.objects.bulk_create(steps)
    ProcedureUnit.objects.bulk_create(
        ProcedureUnit(procedure=procedure, role=u.role, unit=units[u.unit] if u.unit else None,
                      unit_kind=u.unit_kind)
        for u in row.units
    )
    return created


def import_procedures(
    rows: Iterable[tuple[int, Mapping[str, Any]]], *, actor: User | None = None, total: int = 0,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate every row, then import all of them in one transaction, or none.

    `rows` are (row number as the user sees it, raw values). Raises `CatalogImportError` with every
    problem when any row is wrong; nothing is written then.
    """
    _check_actor(actor)
    parsed, problems = validate_rows(rows, progress=progress, total=total)
    if problems:
        raise CatalogImportError(problems)
    summary = ImportSummary()
    with transaction.atomic():
        codes = {s.unit for r in parsed for s in r.steps} | {u.unit for r in parsed for u in r.units}
        units = {u.code: u for u in Unit.objects.filter(code__in=codes - {""})}
        fields: dict[str, Field] = {}
        for done, row in enumerate(parsed, start=1):
            if _save_row(row, fields, units):
                summary.created += 1
            else:
                summary.updated += 1
            summary.codes.append(row.code)
            if progress is not None:
                progress("write", done, len(parsed))
    return summary


@transaction.atomic
def save_procedure(procedure: Procedure, *, actor: User | None) -> Procedure:
    """Create or update a procedure's own fields (the admin's path); keeps the search column right."""
    _check_actor(actor)
    procedure.search_text = search_text(procedure.code, procedure.name, procedure.field.name)
    procedure.full_clean()
    procedure.save()
    return procedure


@transaction.atomic
def save_field(fld: Field, *, actor: User | None) -> Field:
    """Create or update a field; a renamed field renames the search text of its procedures."""
    _check_actor(actor)
    fld.full_clean()
    fld.save()
    for procedure in Procedure.objects.filter(field=fld):
        Procedure.objects.filter(pk=procedure.pk).update(
            search_text=search_text(procedure.code, procedure.name, fld.name))
    return fld


def check_step_group(procedure: Procedure, hours: list[int], unit: Unit | None = None) -> list[str]:
    """Translated problems of one step list (the template, or one unit's variant) of `procedure`."""
    problems = [render_problem(p) for p in step_share_problems(procedure.effective_limit, hours)]
    if unit is not None:
        return [_("Variant of unit %(unit)s: %(problem)s") % {"unit": unit.code, "problem": p} for p in problems]
    return problems


@transaction.atomic
def save_steps(*, actor: User | None, procedure: Procedure, steps: list[ProcessStep],
               deleted: Iterable[ProcessStep] = ()) -> None:
    """Save edited process steps of `procedure`; a unit variant only where the actor manages that unit."""
    _check_actor(actor)
    deleted = list(deleted)
    for step in [*steps, *deleted]:
        if step.unit_id is not None and actor is not None and not can(actor, Action.CATALOG_MANAGE, step.unit_id):
            raise PermissionDenied(_("You cannot change the process of unit %(unit)s.") % {"unit": step.unit})
    for step in deleted:
        step.delete()
    for step in steps:
        step.procedure = procedure
        step.save()
    touched = {step.unit_id for step in [*steps, *deleted]}
    groups: dict[int | None, list[int]] = {}
    for unit_id, hours in ProcessStep.objects.filter(procedure=procedure).values_list("unit_id", "hours"):
        if unit_id in touched:
            groups.setdefault(unit_id, []).append(hours)
    problems = []
    for unit_id, hours in groups.items():
        unit = Unit.objects.get(pk=unit_id) if unit_id is not None else None
        problems.extend(check_step_group(procedure, hours, unit))
    if problems:
        raise ValidationError(problems)
