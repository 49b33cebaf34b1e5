"""Dossiers through the REST API: create (idempotent), read, list, act, files, process control sheet.

Everything is scoped to the caller's reach: a dossier outside it is `dossier_not_found` (404), exactly
like one that does not exist. Refusals carry the domain's stable codes (`DossierError.code`).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from motcua.api.problems import ApiProblem, Problem
from motcua.api.types import CODE, LINE, PROCEDURE_CODE, SHA256, TEXT, AwareDatetime, local, plausible_offset
from motcua.catalog import selectors as catalog
from motcua.core import selectors as core
from motcua.dossiers import domain as rules
from motcua.dossiers import selectors
from motcua.dossiers.attachments import attach_file
from motcua.dossiers.files import open_stored
from motcua.dossiers.idempotency import IdempotencyRace, remember_idempotent, replay, request_hash
from motcua.dossiers.services import (
    ActionParams,
    ApplicantData,
    ComponentData,
    DossierError,
    allowed_actions_for,
    create_dossier,
    perform,
    status_label,
)

router = Router(tags=["dossiers"])

CHANNELS: dict[str, int] = {"direct": int(rules.Channel.DIRECT), "online": int(rules.Channel.ONLINE),
                            "postal": int(rules.Channel.POSTAL)}
CHANNEL_NAMES = {v: k for k, v in CHANNELS.items()}
APPLICANT_KINDS: dict[str, int] = {"citizen": 1, "business": 2, "state_agency": 3, "other": 4}
APPLICANT_KIND_NAMES = {v: k for k, v in APPLICANT_KINDS.items()}
MAX_ID = 2**31 - 1

ChannelName = Literal["direct", "online", "postal"]
TimelinessName = Literal["early", "on_time", "late", "in_time", "overdue"]


def _not_found() -> ApiProblem:
    return ApiProblem(404, "dossier_not_found", _("Not found, or you are not allowed to see it."))


def _problem(err: DossierError) -> ApiProblem:
    return ApiProblem(err.status, err.code, err.detail)


def _field_error(field: str, message: str) -> ApiProblem:
    return ApiProblem(422, "validation_error", _("Some fields are not valid."),
                      [{"field": field, "message": message}])


# ---------------------------------------------------------------------------------------------------------
# Schemas


class ApplicantIn(Schema):
    kind: Literal["citizen", "business", "state_agency", "other"] = "citizen"
    name: str = Field(..., min_length=1, max_length=255, pattern=LINE)
    id_number: str = Field("", pattern=r"^(\d{9}|\d{12})?$", description="CCCD: 12 digits (9 for an old ID card)")
    phone: str = Field("", pattern=r"^(\+?\d{8,15})?$")
    email: str = Field("", max_length=254, pattern=r"^([^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+)?$")
    address: str = Field("", max_length=500, pattern=LINE)


class ComponentIn(Schema):
    name: str = Field(..., min_length=1, max_length=500, pattern=LINE)
    required_document_id: int | None = Field(None, ge=1, le=MAX_ID)
    form: Literal["original", "copy", "certified_copy"] = "copy"
    quantity: int = Field(1, ge=1, le=100)
    digitized: bool = False
    reused: bool = False
    from_citizen_store: bool = False


class DossierIn(Schema):
    receiving_unit: str = Field(..., pattern=CODE, description="Code of the receiving unit (one-stop desk)")
    procedure: str = Field(..., pattern=PROCEDURE_CODE, description="National procedure code, like 1.001193")
    channel: ChannelName
    applicant: ApplicantIn
    components: list[ComponentIn] = Field(default_factory=list, max_length=50)
    summary: str = Field("", max_length=500, pattern=LINE)
    vneid_verified: bool = False


class ActionIn(Schema):
    holder: str | None = Field(None, min_length=1, max_length=150, pattern=r"^[\w.@+-]+$",
                               description="Username of the officer to assign or hand over to")
    to_unit: str | None = Field(None, pattern=CODE, description="Code of the unit to hand over to")
    to_step: int | None = Field(None, ge=0, le=100)
    electronic: bool | None = None
    channel: Literal["desk", "post", "electronic"] | None = None
    new_due_at: AwareDatetime | None = None
    reason: str = Field("", max_length=2000, pattern=TEXT)
    tracking_number: str = Field("", max_length=100, pattern=LINE)
    as_applicant: bool = False


class Ref(Schema):
    code: str
    name: str


class OfficerRef(Schema):
    username: str
    full_name: str


class ApplicantOut(Schema):
    kind: str
    name: str
    id_number: str
    phone: str
    email: str
    address: str


class DossierOut(Schema):
    code: str
    procedure: Ref
    receiving_unit: Ref
    competent_unit: Ref
    current_unit: Ref
    current_step: int | None
    current_holder: OfficerRef | None
    channel: ChannelName
    status: int = Field(..., ge=1, le=10, description="TrangThaiHoSo of the national portal (1..10)")
    status_label: str
    applicant: ApplicantOut
    summary: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None = Field(None, description="The appointment the applicant holds now")
    original_due_at: datetime | None
    promised_due_at: datetime | None = Field(None, description="New appointment given with an apology")
    paused_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    timeliness: TimelinessName | None
    forced_late: bool
    apologised: bool
    supplement_requests: int
    result_electronic: bool
    vneid_verified: bool
    fee_total: int
    version: int
    allowed_actions: list[str] = Field(..., description="What the caller may do now")


class DossierListItem(Schema):
    code: str
    procedure: Ref
    current_unit: Ref
    channel: ChannelName
    status: int
    status_label: str
    applicant_name: str
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    timeliness: TimelinessName | None


class DossierPage(Schema):
    results: list[DossierListItem]
    next_cursor: str | None


class DossierFilterIn(Schema):
    status: list[Annotated[int, Field(ge=1, le=10)]] = Field(
        default_factory=list, description="Repeatable: ?status=4&status=5")
    unit: str | None = Field(None, pattern=CODE, description="Code of the unit holding the dossier")
    procedure: str | None = Field(None, pattern=PROCEDURE_CODE)
    channel: ChannelName | None = None
    due_before: AwareDatetime | None = None
    overdue: bool | None = None
    cursor: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
    limit: int = Field(50, ge=1, le=200)


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    at: datetime
    from_status: int | None
    to_status: int
    from_step: int | None
    to_step: int | None
    payload: dict[str, Any]


class FileOut(Schema):
    sha256: str
    size: int
    content_type: str
    url: str


class ComponentOut(Schema):
    id: int
    name: str
    required_document_id: int | None
    form: str
    quantity: int
    digitized: bool
    reused: bool
    from_citizen_store: bool
    files: list[FileOut]


class SheetRow(Schema):
    index: int
    step: str
    role: str
    unit: Ref
    holder: OfficerRef | None
    started_at: datetime | None
    due_at: datetime | None = Field(None, description="The step's own due time (its share from its start)")
    planned_due_at: datetime | None = Field(None, description="Planned from receipt, cumulative over the shares")
    finished_at: datetime | None
    timeliness: TimelinessName | None


class ProcessControlSheet(Schema):
    code: str
    procedure: Ref
    receiving_unit: Ref
    applicant_name: str
    received_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    promised_due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    status: int
    status_label: str
    timeliness: TimelinessName | None
    rows: list[SheetRow]


class PublicDossierOut(Schema):
    code: str
    status: int
    status_label: str
    procedure: str
    receiving_unit: str
    applicant_name: str = Field(..., description="Masked: Nguyễn V** A*")
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None


# ---------------------------------------------------------------------------------------------------------
# Rendering


def _ref(obj: Any) -> dict[str, str]:
    return {"code": obj.code, "name": obj.name}


def _officer(user: Any) -> dict[str, str] | None:
    return None if user is None else {"username": user.username, "full_name": user.full_name}


def _timeliness(state: rules.DossierState, now: datetime) -> str | None:
    return _value(rules.timeliness_of(state, now))


def _value(t: rules.Timeliness | None) -> str | None:
    return None if t is None else t.value


def _detail(request: HttpRequest, d: Any) -> dict[str, Any]:
    now = timezone.now()
    state = rules.state_from_json(d.state)
    return {
        "code": d.code, "procedure": _ref(d.procedure), "receiving_unit": _ref(d.receiving_unit),
        "competent_unit": _ref(d.competent_unit), "current_unit": _ref(d.current_unit),
        "current_step": d.current_step, "current_holder": _officer(d.current_holder),
        "channel": CHANNEL_NAMES[d.channel], "status": d.status, "status_label": status_label(d.status),
        "applicant": {"kind": APPLICANT_KIND_NAMES.get(d.applicant_kind, "other"), "name": d.applicant_name,
                      "id_number": d.applicant_id_number, "phone": d.applicant_phone,
                      "email": d.applicant_email, "address": d.applicant_address},
        "summary": d.summary,
        **{f: local(getattr(d, f)) for f in ("submitted_at", "received_at", "due_at", "original_due_at",
                                              "promised_due_at", "paused_at", "finished_at", "returned_at")},
        "timeliness": _timeliness(state, now), "forced_late": d.forced_late, "apologised": d.apologised,
        "supplement_requests": d.supplement_requests, "result_electronic": d.result_electronic,
        "vneid_verified": d.vneid_verified, "fee_total": d.fee_total, "version": d.version,
        "allowed_actions": allowed_actions_for(request.user, d, now),
    }


def _visible(request: HttpRequest, code: str) -> Any:
    dossier = selectors.dossier_by_code(request.user, code)
    if dossier is None:
        raise _not_found()
    return dossier


DossierCode = Path(..., pattern=CODE, description="Dossier code, like 000.10.01.H12-260406-0001")
ActionPath = Path(..., description="The action's name")
ComponentId = Path(..., ge=1, le=MAX_ID)
UploadField = File(..., description="PDF, JPEG, PNG, DOCX or XLSX")


# ---------------------------------------------------------------------------------------------------------
# Endpoints


@router.post(
    "/dossiers",
    response={200: DossierOut, 201: DossierOut, 403: Problem, 409: Problem, 422: Problem},
    summary="Receive a dossier at the counter or by post, or register an online one",
    description="Send an `Idempotency-Key` header to retry safely: the same key and body give back the same "
                "dossier (200, header `Idempotent-Replayed: true`); the same key with another body is 422 "
                "`idempotency_key_reused`.",
)
def create(request: HttpRequest, payload: DossierIn, response: HttpResponse,
           idempotency_key: str | None = Header(None, alias="Idempotency-Key", min_length=1, max_length=200,
                                                pattern=r"^[\x21-\x7e]+$")) -> Any:
    user = request.user
    body_hash = request_hash(payload.model_dump(mode="json")) if idempotency_key else ""
    unit = core.unit_in_reach(user, payload.receiving_unit)
    if unit is None:
        raise _field_error("receiving_unit", _("No such unit, or it is outside your reach."))
    procedure = catalog.procedure_for_intake(payload.procedure)
    if procedure is None or not procedure.is_active:
        raise _field_error("procedure", _("No such procedure in the catalogue."))
    wanted = [c.required_document_id for c in payload.components if c.required_document_id is not None]
    documents = catalog.document_ids(procedure) if wanted else set()
    for i, c in enumerate(payload.components):
        if c.required_document_id is not None and c.required_document_id not in documents:
            raise _field_error(f"components.{i}.required_document_id",
                               _("This document is not one of the procedure's required documents."))
    try:
        # Only an idempotent create needs the outer transaction (key + dossier together); without a key the
        # service's own transaction is the whole unit of work (no savepoint round trips).
        with transaction.atomic() if idempotency_key else nullcontext():
            if idempotency_key:
                earlier = replay(user, idempotency_key, body_hash)
                if earlier is not None:
                    return _replayed(request, response, earlier.code)
            dossier = create_dossier(
                actor=user,
                procedure=procedure, receiving_unit=unit, channel=CHANNELS[payload.channel],
                applicant=ApplicantData(
                    name=payload.applicant.name, kind=APPLICANT_KINDS[payload.applicant.kind],
                    id_number=payload.applicant.id_number, phone=payload.applicant.phone,
                    email=payload.applicant.email, address=payload.applicant.address),
                components=[ComponentData(name=c.name, required_document_id=c.required_document_id, form=c.form,
                                          quantity=c.quantity, digitized=c.digitized, reused=c.reused,
                                          from_citizen_store=c.from_citizen_store) for c in payload.components],
                summary=payload.summary, vneid_verified=payload.vneid_verified,
            )
            if idempotency_key:
                remember_idempotent(user, idempotency_key, body_hash, dossier)
    except IdempotencyRace:
        earlier = replay(user, idempotency_key or "", body_hash)
        if earlier is None:  # pragma: no cover - the winner rolled back meanwhile
            raise ApiProblem(409, "idempotency_conflict", _("A request with this key is in progress; retry.")) \
                from None
        return _replayed(request, response, earlier.code)
    except DossierError as err:
        raise _problem(err) from err
    response["Location"] = f"{request.path.rstrip('/')}/{dossier.code}"
    # The dossier as created (its units and procedure are the objects above): no re-read.
    return Status(201, _detail(request, dossier))


def _replayed(request: HttpRequest, response: HttpResponse, code: str) -> Any:
    response["Idempotent-Replayed"] = "true"
    response["Location"] = f"{request.path.rstrip('/')}/{code}"
    return Status(200, _detail(request, _visible(request, code)))


@router.get("/dossiers", response={200: DossierPage, 422: Problem}, summary="Dossiers in the caller's reach")
def list_dossiers(request: HttpRequest, filters: Query[DossierFilterIn]) -> Any:
    for i, s in enumerate(filters.status):
        if not 1 <= s <= 10:
            raise _field_error(f"status.{i}", _("A status is a number from 1 to 10."))
    if filters.cursor:
        try:
            due, pk = selectors.cursor_decode(filters.cursor)
            if not 0 <= pk <= 2**63 - 1 or (due is not None and (
                    timezone.is_naive(due) or not plausible_offset(due) or not 1900 <= due.year <= 2999)):
                raise ValueError(filters.cursor)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _field_error("cursor", _("This cursor is not valid; start again from the first page.")) from exc
    page = selectors.list_dossiers(
        request.user,
        selectors.DossierFilter(
            status=tuple(sorted(set(filters.status))), unit=filters.unit, procedure=filters.procedure,
            channel=CHANNELS[filters.channel] if filters.channel else None, due_before=filters.due_before,
            overdue=filters.overdue),
        limit=filters.limit, cursor=filters.cursor,
    )
    now = timezone.now()
    return {
        "results": [
            {"code": d.code, "procedure": _ref(d.procedure), "current_unit": _ref(d.current_unit),
             "channel": CHANNEL_NAMES[d.channel], "status": d.status, "status_label": status_label(d.status),
             "applicant_name": d.applicant_name, "received_at": local(d.received_at), "due_at": local(d.due_at),
             "finished_at": local(d.finished_at), "timeliness": _value(d.timeliness_at(now))}
            for d in page.results
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/dossiers/{code}", response={200: DossierOut, 404: Problem}, summary="One dossier")
def get_dossier(request: HttpRequest, code: str = DossierCode) -> Any:
    return _detail(request, _visible(request, code))


@router.post(
    "/dossiers/{code}/actions/{action}",
    response={200: DossierOut, 400: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    summary="Do an action on a dossier",
    description="Refusals are problems with the rules' stable codes: `action_not_allowed_in_status`, "
                "`role_not_allowed`, `apology_too_late`, `not_last_step`, `permission_denied`…",
)
def do_action(request: HttpRequest, payload: ActionIn, code: str = DossierCode,
              action: rules.DossierAction = ActionPath) -> Any:
    _visible(request, code)
    token = getattr(request, "api_token", None)
    scoped = [a for a in (token.actions if token is not None else []) if a.startswith("dossier:")]
    if scoped and f"dossier:{action.value}" not in scoped:
        raise ApiProblem(403, "permission_denied",
                         _("This API token may not do “%(action)s”.") % {"action": action.value})
    params = ActionParams(
        to_step=payload.to_step, electronic=payload.electronic, channel=payload.channel,
        new_due_at=payload.new_due_at, reason=payload.reason, tracking_number=payload.tracking_number,
        as_applicant=payload.as_applicant,
    )
    if payload.holder:
        params.holder = selectors.officer_by_username(payload.holder)
        if params.holder is None:
            raise _field_error("holder", _("No active officer has this username."))
    if payload.to_unit:
        params.to_unit = selectors.unit_for_transfer(payload.to_unit)
        if params.to_unit is None:
            raise _field_error("to_unit", _("No active unit has this code."))
    try:
        perform(actor=request.user, code=code, action=action.value, params=params)
    except DossierError as err:
        raise _problem(err) from err
    return _detail(request, _visible(request, code))


@router.get("/dossiers/{code}/events", response={200: list[EventOut], 404: Problem},
            summary="The dossier's event log (append-only)")
def list_events(request: HttpRequest, code: str = DossierCode) -> Any:
    dossier = _visible(request, code)
    return [{"seq": e.seq, "action": e.action, "actor": e.actor_name, "at": local(e.at),
             "from_status": e.from_status, "to_status": e.to_status, "from_step": e.from_step,
             "to_step": e.to_step, "payload": e.payload} for e in selectors.events_of(dossier)]


def _file(code: str, f: Any) -> dict[str, Any]:
    return {"sha256": f.sha256, "size": f.size, "content_type": f.content_type,
            "url": f"/api/v1/dossiers/{code}/files/{f.sha256}"}


@router.get("/dossiers/{code}/components", response={200: list[ComponentOut], 404: Problem},
            summary="The dossier's components and their files")
def list_components(request: HttpRequest, code: str = DossierCode) -> Any:
    dossier = _visible(request, code)
    return [{"id": c.pk, "name": c.name, "required_document_id": c.required_document_id, "form": c.form,
             "quantity": c.quantity, "digitized": c.digitized, "reused": c.reused,
             "from_citizen_store": c.from_citizen_store, "files": [_file(code, f) for f in c.files.all()]}
            for c in selectors.components_of(dossier)]


@router.post(
    "/dossiers/{code}/components/{component_id}/files",
    response={201: FileOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    summary="Attach a file to a component (PDF, JPEG, PNG, DOCX, XLSX; checked by content)",
)
def upload_file(request: HttpRequest, code: str = DossierCode,
                component_id: int = ComponentId, file: UploadedFile = UploadField) -> Any:
    _visible(request, code)
    try:
        stored = attach_file(actor=request.user, code=code, component_id=component_id,
                             upload=file)
    except DossierError as err:
        raise _problem(err) from err
    return Status(201, _file(code, stored))


@router.get(
    "/dossiers/{code}/files/{sha256}",
    response={200: None, 404: Problem},
    summary="Download a file of the dossier",
)
def download_file(request: HttpRequest, code: str = DossierCode,
                  sha256: str = Path(..., pattern=SHA256)) -> Any:
    dossier = _visible(request, code)
    stored = selectors.file_of(dossier, sha256)
    if stored is None:
        raise ApiProblem(404, "file_not_found", _("Not found, or you are not allowed to see it."))
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        stored.content_type, "docx" if "word" in stored.content_type else "xlsx")
    try:
        handle = open_stored(stored)
    except OSError as exc:
        raise ApiProblem(404, "file_not_found", _("Not found, or you are not allowed to see it.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=f"{code}-{sha256[:12]}.{extension}",
                            content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/dossiers/{code}/process-control-sheet", response={200: ProcessControlSheet, 404: Problem},
            summary="Process control sheet: who held the dossier at each step, from when to when, on time or not")
def process_control_sheet(request: HttpRequest, code: str = DossierCode) -> Any:
    d = _visible(request, code)
    now = timezone.now()
    state = rules.state_from_json(d.state)
    steps = {s.index: s for s in state.steps}
    rows = []
    for row in selectors.steps_of(d):
        step = steps.get(row.index)
        t = None if step is None else rules.step_timeliness(step, now, paused_at=state.paused_at)
        rows.append({
            "index": row.index, "step": row.name, "role": row.role, "unit": _ref(row.unit),
            "holder": _officer(row.holder), "started_at": local(row.started_at), "due_at": local(row.due_at),
            "planned_due_at": local(step.planned_due_at if step else None), "finished_at": local(row.finished_at),
            "timeliness": None if t is None else t.value,
        })
    return {
        "code": d.code, "procedure": _ref(d.procedure), "receiving_unit": _ref(d.receiving_unit),
        "applicant_name": d.applicant_name,
        **{f: local(getattr(d, f)) for f in ("received_at", "due_at", "original_due_at", "promised_due_at",
                                              "finished_at", "returned_at")},
        "status": d.status, "status_label": status_label(d.status), "timeliness": _timeliness(state, now),
        "rows": rows,
    }


public_router = Router(tags=["public"])
PUBLIC_LOOKUPS_PER_MINUTE = 60


@public_router.get(
    "/public/dossiers/{code}", auth=None, response={200: PublicDossierOut, 404: Problem, 429: Problem},
    summary="Look a dossier up by its code (no login): status and dates, applicant name masked",
)
def public_dossier(request: HttpRequest, code: str = DossierCode) -> Any:
    from motcua.api import ratelimit

    ratelimit.check(request, "public-dossier", PUBLIC_LOOKUPS_PER_MINUTE)
    row = selectors.public_lookup(code)
    if row is None:
        raise _not_found()
    return {
        "code": row["code"], "status": row["status"], "status_label": status_label(row["status"]),
        "procedure": row["procedure__name"], "receiving_unit": row["receiving_unit__name"],
        "applicant_name": row["applicant_name"],
        **{f: local(row[f]) for f in ("received_at", "due_at", "finished_at", "returned_at")},
    }
