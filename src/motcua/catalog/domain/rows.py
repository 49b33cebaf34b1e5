"""One row of an import file = one procedure. Parsing and validation, without a database.

The columns are documented in ``src/motcua/catalog/IMPORT_FORMAT.md``. Values may come as text (CSV,
XLSX) or as native JSON values; list columns accept JSON or, for simple lists, ``;``-separated text.
`parse_row` returns the typed row and every problem found (a row with problems is never written).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from motcua.catalog.domain.fees import FeeBasis, FeeKind, FeeRule, PageTier, fee_rule_problems
from motcua.catalog.domain.limits import exceeds, parse_limit_or_text
from motcua.catalog.domain.problems import Problem, gettext_noop
from motcua.catalog.domain.steps import STEP_ROLES, RelativeUnit, step_share_problems
from motcua.workcalendar.domain import Limit


class Level(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"


class Channel(StrEnum):
    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"


class OnlineLevel(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class ResultKind(StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"


class UnitRole(StrEnum):
    COMPETENT = "competent"
    COORDINATING = "coordinating"
    RECEIVING = "receiving"


COLUMNS: tuple[str, ...] = (
    "code", "name", "field_code", "field_name", "levels", "steps_text", "submission_channels",
    "target_subjects", "implementing_agency", "result", "result_kind", "legal_basis", "legal_time_limit",
    "internal_time_limit", "time_limit_note", "online_level", "fee_note", "is_demo_data", "demo_note",
    "documents", "fees", "steps", "units",
)
REQUIRED_TEXT = ("code", "name", "field_code", "field_name", "steps_text", "target_subjects",
                 "implementing_agency", "result", "legal_time_limit")
PROCEDURE_CODE_RE = re.compile(r"^\d{1,2}\.\d{6}$")
FIELD_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TEXT = {"code": 20, "name": 500, "field_code": 40, "field_name": 200, "implementing_agency": 500}


@dataclass(frozen=True)
class DocumentRow:
    name: str
    originals: int
    copies: int
    mandatory: bool
    template: str
    note: str


@dataclass(frozen=True)
class FeeRow:
    name: str
    rule: FeeRule
    note: str


@dataclass(frozen=True)
class StepRow:
    name: str
    role: str
    relative_unit: str
    hours: int
    unit: str  # "" for the default template, else the code of the unit whose variant this is


@dataclass(frozen=True)
class UnitLinkRow:
    role: str
    unit: str  # a unit code, or ""
    unit_kind: str  # a unit kind, or ""


@dataclass(frozen=True)
class ProcedureRow:
    code: str
    name: str
    field_code: str
    field_name: str
    levels: tuple[str, ...]
    steps_text: str
    submission_channels: tuple[str, ...]
    target_subjects: str
    implementing_agency: str
    result: str
    result_kind: str
    legal_basis: str
    legal_time_limit: Limit
    internal_time_limit: Limit | None
    time_limit_note: str
    online_level: str
    fee_note: str
    is_demo_data: bool
    demo_note: str
    documents: tuple[DocumentRow, ...] = field(default=())
    fees: tuple[FeeRow, ...] = field(default=())
    steps: tuple[StepRow, ...] = field(default=())
    units: tuple[UnitLinkRow, ...] = field(default=())

    @property
    def effective_limit(self) -> Limit:
        return self.internal_time_limit or self.legal_time_limit


_TRUE = {"1", "true", "yes", "y", "x", "co", "có"}
_FALSE = {"", "0", "false", "no", "n", "khong", "không"}


def _text(raw: Mapping[str, Any], column: str) -> str:
    value = raw.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice_list(raw: Mapping[str, Any], column: str, choices: type[StrEnum],
                 problems: list[Problem]) -> tuple[str, ...]:
    value = raw.get(column)
    if isinstance(value, str) and value.strip().startswith("["):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    items = [str(v).strip() for v in value] if isinstance(value, list) else _text(raw, column).split(";")
    items = [i for i in items if i]
    allowed = [c.value for c in choices]
    bad = [i for i in items if i not in allowed]
    if bad:
        problems.append(Problem(column, gettext_noop(
            "Unknown value(s) %(bad)s; use one or more of %(allowed)s separated by \";\"."),
            {"bad": ", ".join(bad), "allowed": ", ".join(allowed)}))
    return tuple(dict.fromkeys(i for i in items if i in allowed))


def _choice(raw: Mapping[str, Any], column: str, choices: type[StrEnum], default: str,
            problems: list[Problem]) -> str:
    value = _text(raw, column) or default
    allowed = [c.value for c in choices]
    if value not in allowed:
        problems.append(Problem(column, gettext_noop("Unknown value \"%(value)s\"; use one of %(allowed)s."),
                                {"value": value, "allowed": ", ".join(allowed)}))
    return value


def _bool(value: Any, column: str, problems: list[Problem]) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(Problem(column, gettext_noop("\"%(value)s\" is not yes or no; write yes or no."),
                                {"value": text}))
    return False


def _int(value: Any, column: str, what: str, item: int, problems: list[Problem], minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | float) or str(value).strip() == "":
        ok = False
        number = 0
    else:
        try:
            number = int(str(value).strip().replace(".", "")) if isinstance(value, str) else int(value)
            ok = number >= minimum and (not isinstance(value, float) or value.is_integer())
        except ValueError:
            ok, number = False, 0
    if not ok:
        problems.append(Problem(column, gettext_noop(
            "Item %(item)s: %(what)s must be a whole number of at least %(minimum)s (found \"%(value)s\")."),
            {"item": item, "what": what, "minimum": minimum, "value": value}))
    return number


def _objects(raw: Mapping[str, Any], column: str, problems: list[Problem]) -> list[Mapping[str, Any]]:
    value = raw.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            problems.append(Problem(column, gettext_noop(
                "This is not valid JSON (%(error)s); write a list like [{\"name\": \"…\"}]."),
                {"error": str(exc)}))
            return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append(Problem(column, gettext_noop(
            "Write a JSON list of objects, e.g. [{\"name\": \"…\"}].")))
        return []
    return value


def _limit(raw: Mapping[str, Any], column: str, problems: list[Problem]) -> Limit | None:
    text = _text(raw, column)
    if not text:
        return None
    limit = parse_limit_or_text(text)
    if limit is None:
        problems.append(Problem(column, gettext_noop(
            "The time limit \"%(value)s\" is not understood; write e.g. 25wd (working days), 8wh (working "
            "hours), 15d (calendar days), sameday, or \"25 ngày làm việc\"."), {"value": text}))
    return limit


def _documents(raw: Mapping[str, Any], problems: list[Problem]) -> tuple[DocumentRow, ...]:
    rows = []
    for i, obj in enumerate(_objects(raw, "documents", problems), start=1):
        name = str(obj.get("name") or "").strip()
        if not name:
            problems.append(Problem("documents", gettext_noop("Item %(item)s: the document needs a name."),
                                    {"item": i}))
        template = str(obj.get("template") or "").strip()
        if template.startswith("/") or ".." in template:
            problems.append(Problem("documents", gettext_noop(
                "Item %(item)s: the template must be a relative storage path without \"..\"."), {"item": i}))
        rows.append(DocumentRow(
            name=name,
            originals=_int(obj.get("originals", 1), "documents", "originals", i, problems),
            copies=_int(obj.get("copies", 0), "documents", "copies", i, problems),
            mandatory=_bool(obj.get("mandatory", True), "documents", problems),
            template=template,
            note=str(obj.get("note") or "").strip(),
        ))
    return tuple(rows)


def _tiers(value: Any, item: int, problems: list[Problem]) -> tuple[PageTier, ...]:
    if value in (None, "", []):
        return ()
    tiers = []
    if isinstance(value, list):
        for tier in value:
            if isinstance(tier, dict):
                tier = [tier.get("from_page"), tier.get("price")]
            if isinstance(tier, list) and len(tier) == 2:
                tiers.append(PageTier(_int(tier[0], "fees", "from_page", item, problems, 1),
                                      _int(tier[1], "fees", "price", item, problems)))
                continue
            break
        else:
            return tuple(tiers)
    problems.append(Problem("fees", gettext_noop(
        "Item %(item)s: write tiers as [[from_page, price per page], …], e.g. [[1, 2000], [3, 1000]]."),
        {"item": item}))
    return ()


def _fees(raw: Mapping[str, Any], problems: list[Problem]) -> tuple[FeeRow, ...]:
    rows = []
    for i, obj in enumerate(_objects(raw, "fees", problems), start=1):
        kind = str(obj.get("kind") or "").strip()
        basis = str(obj.get("basis") or FeeBasis.DOSSIER.value).strip()
        if kind not in {k.value for k in FeeKind} or basis not in {b.value for b in FeeBasis}:
            problems.append(Problem("fees", gettext_noop(
                "Item %(item)s: kind must be fixed, free or tiered_page and basis dossier, copy or case."),
                {"item": i}))
            continue
        cap = obj.get("cap_per_copy")
        rule = FeeRule(
            kind=FeeKind(kind),
            amount=_int(obj.get("amount", 0), "fees", "amount", i, problems),
            basis=FeeBasis(basis),
            tiers=_tiers(obj.get("tiers"), i, problems),
            cap_per_copy=None if cap in (None, "") else _int(cap, "fees", "cap_per_copy", i, problems),
        )
        for problem in fee_rule_problems(rule):
            problems.append(Problem("fees", gettext_noop("Item %(item)s: %(problem)s"),
                                    {"item": i, "problem": problem}))
        name = str(obj.get("name") or "").strip()
        if not name:
            problems.append(Problem("fees", gettext_noop("Item %(item)s: the fee needs a name."), {"item": i}))
        rows.append(FeeRow(name=name, rule=rule, note=str(obj.get("note") or "").strip()))
    return tuple(rows)


def _steps(raw: Mapping[str, Any], unit_codes: Collection[str] | None,
           problems: list[Problem]) -> tuple[StepRow, ...]:
    rows = []
    for i, obj in enumerate(_objects(raw, "steps", problems), start=1):
        role = str(obj.get("role") or "").strip()
        relative = str(obj.get("relative_unit") or "").strip()
        unit = str(obj.get("unit") or "").strip()
        name = str(obj.get("name") or "").strip()
        if not name:
            problems.append(Problem("steps", gettext_noop("Item %(item)s: the step needs a name."), {"item": i}))
        if role not in STEP_ROLES:
            problems.append(Problem("steps", gettext_noop("Item %(item)s: role must be one of %(allowed)s."),
                                    {"item": i, "allowed": ", ".join(STEP_ROLES)}))
        if relative not in {r.value for r in RelativeUnit}:
            problems.append(Problem("steps", gettext_noop(
                "Item %(item)s: relative_unit must be one of %(allowed)s."),
                {"item": i, "allowed": ", ".join(r.value for r in RelativeUnit)}))
        if unit and unit_codes is not None and unit not in unit_codes:
            problems.append(Problem("steps", gettext_noop(
                "Item %(item)s: there is no unit with code %(unit)s; create the unit first or fix the code."),
                {"item": i, "unit": unit}))
        hours = _int(obj.get("hours"), "steps", "hours", i, problems, 1)
        rows.append(StepRow(name=name, role=role, relative_unit=relative, hours=hours, unit=unit))
    return tuple(rows)


def _units(raw: Mapping[str, Any], unit_codes: Collection[str] | None, unit_kinds: Collection[str] | None,
           problems: list[Problem]) -> tuple[UnitLinkRow, ...]:
    rows = []
    for i, obj in enumerate(_objects(raw, "units", problems), start=1):
        role = str(obj.get("role") or "").strip()
        unit = str(obj.get("unit") or "").strip()
        kind = str(obj.get("unit_kind") or "").strip()
        if role not in {r.value for r in UnitRole}:
            problems.append(Problem("units", gettext_noop("Item %(item)s: role must be one of %(allowed)s."),
                                    {"item": i, "allowed": ", ".join(r.value for r in UnitRole)}))
        if bool(unit) == bool(kind):
            problems.append(Problem("units", gettext_noop(
                "Item %(item)s: give either a unit code (\"unit\") or a unit kind (\"unit_kind\"), not both."),
                {"item": i}))
        elif unit and unit_codes is not None and unit not in unit_codes:
            problems.append(Problem("units", gettext_noop(
                "Item %(item)s: there is no unit with code %(unit)s; create the unit first or fix the code."),
                {"item": i, "unit": unit}))
        elif kind and unit_kinds is not None and kind not in unit_kinds:
            problems.append(Problem("units", gettext_noop("Item %(item)s: unit_kind must be one of %(allowed)s."),
                                    {"item": i, "allowed": ", ".join(sorted(unit_kinds))}))
        rows.append(UnitLinkRow(role=role, unit=unit, unit_kind=kind))
    if len(set(rows)) != len(rows):
        problems.append(Problem("units", gettext_noop("The same unit and role are listed twice; remove one.")))
    return tuple(rows)


def parse_row(raw: Mapping[str, Any], *, unit_codes: Collection[str] | None = None,
              unit_kinds: Collection[str] | None = None) -> tuple[ProcedureRow | None, list[Problem]]:
    """Parse and validate one import row. `unit_codes`/`unit_kinds`: what exists (None = not checked)."""
    problems: list[Problem] = []
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        problems.append(Problem(unknown[0], gettext_noop(
            "Unknown column(s) %(columns)s; see IMPORT_FORMAT.md for the column names."),
            {"columns": ", ".join(unknown)}))
    for column in REQUIRED_TEXT:
        if not _text(raw, column):
            problems.append(Problem(column, gettext_noop("This column is required; fill it in.")))
    for column, limit in MAX_TEXT.items():
        if len(_text(raw, column)) > limit:
            problems.append(Problem(column, gettext_noop("Too long: at most %(limit)s characters."),
                                    {"limit": limit}))
    code = _text(raw, "code")
    if code and not PROCEDURE_CODE_RE.match(code):
        problems.append(Problem("code", gettext_noop(
            "\"%(value)s\" is not a national procedure code; write it like 1.001193."), {"value": code}))
    field_code = _text(raw, "field_code")
    if field_code and not FIELD_CODE_RE.match(field_code):
        problems.append(Problem("field_code", gettext_noop(
            "\"%(value)s\" is not a valid field code; use lower-case letters, digits, \"-\" or \"_\", "
            "e.g. ho-tich."), {"value": field_code}))
    levels = _choice_list(raw, "levels", Level, problems)
    if not levels and not any(p.column == "levels" for p in problems):
        problems.append(Problem("levels", gettext_noop(
            "Give at least one level: province, commune, or both separated by \";\".")))
    channels = _choice_list(raw, "submission_channels", Channel, problems)
    if not channels and not any(p.column == "submission_channels" for p in problems):
        problems.append(Problem("submission_channels", gettext_noop(
            "Give at least one way of submitting: direct, online, postal, separated by \";\".")))
    legal = _limit(raw, "legal_time_limit", problems)
    internal = _limit(raw, "internal_time_limit", problems)
    if legal and internal and exceeds(internal, legal):
        problems.append(Problem("internal_time_limit", gettext_noop(
            "The internal time limit %(internal)s is longer than the legal one %(legal)s; shorten it or "
            "leave it empty."), {"internal": str(internal), "legal": str(legal)}))
    result_kind = _choice(raw, "result_kind", ResultKind, ResultKind.PAPER.value, problems)
    online_level = _choice(raw, "online_level", OnlineLevel, OnlineLevel.NONE.value, problems)
    is_demo = _bool(raw.get("is_demo_data"), "is_demo_data", problems)
    documents = _documents(raw, problems)
    fees = _fees(raw, problems)
    steps = _steps(raw, unit_codes, problems)
    units = _units(raw, unit_codes, unit_kinds, problems)
    if legal is not None:
        effective = internal if internal is not None and not exceeds(internal, legal) else legal
        for unit in dict.fromkeys(s.unit for s in steps):
            group = [s.hours for s in steps if s.unit == unit]
            for problem in step_share_problems(effective, group):
                if unit:
                    problem = Problem("steps", gettext_noop("Variant of unit %(unit)s: %(problem)s"),
                                      {"unit": unit, "problem": problem})
                problems.append(problem)
    if problems or legal is None:
        return None, problems
    return ProcedureRow(
        code=code, name=_text(raw, "name"), field_code=field_code, field_name=_text(raw, "field_name"),
        levels=levels, steps_text=_text(raw, "steps_text"), submission_channels=channels,
        target_subjects=_text(raw, "target_subjects"), implementing_agency=_text(raw, "implementing_agency"),
        result=_text(raw, "result"), result_kind=result_kind, legal_basis=_text(raw, "legal_basis"),
        legal_time_limit=legal, internal_time_limit=internal, time_limit_note=_text(raw, "time_limit_note"),
        online_level=online_level, fee_note=_text(raw, "fee_note"), is_demo_data=is_demo,
        demo_note=_text(raw, "demo_note"), documents=documents, fees=fees, steps=steps, units=units,
    ), problems


def row_to_raw(row: ProcedureRow) -> dict[str, Any]:
    """The inverse of `parse_row` with native JSON values (export writes lists as JSON text for CSV/XLSX)."""
    return {
        "code": row.code, "name": row.name, "field_code": row.field_code, "field_name": row.field_name,
        "levels": ";".join(row.levels), "steps_text": row.steps_text,
        "submission_channels": ";".join(row.submission_channels), "target_subjects": row.target_subjects,
        "implementing_agency": row.implementing_agency, "result": row.result, "result_kind": row.result_kind,
        "legal_basis": row.legal_basis, "legal_time_limit": str(row.legal_time_limit),
        "internal_time_limit": str(row.internal_time_limit) if row.internal_time_limit else "",
        "time_limit_note": row.time_limit_note, "online_level": row.online_level, "fee_note": row.fee_note,
        "is_demo_data": "yes" if row.is_demo_data else "no", "demo_note": row.demo_note,
        "documents": [
            {"name": d.name, "originals": d.originals, "copies": d.copies, "mandatory": d.mandatory,
             "template": d.template, "note": d.note} for d in row.documents
        ],
        "fees": [
            {"name": f.name, "kind": f.rule.kind.value, "amount": f.rule.amount, "basis": f.rule.basis.value,
             "tiers": [[t.from_page, t.price] for t in f.rule.tiers], "cap_per_copy": f.rule.cap_per_copy,
             "note": f.note} for f in row.fees
        ],
        "steps": [
            {"name": s.name, "role": s.role, "relative_unit": s.relative_unit, "hours": s.hours, "unit": s.unit}
            for s in row.steps
        ],
        "units": [{"role": u.role, "unit": u.unit, "unit_kind": u.unit_kind} for u in row.units],
    }
