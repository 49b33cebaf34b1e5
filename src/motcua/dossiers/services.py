"""The only writers of dossiers. One use case = one function = one transaction.

Each service checks permission (in SQL, through `motcua.core.permissions`), locks the dossier row,
calls the pure rule (`motcua.dossiers.domain`), saves the columns, the step rows and the state
snapshot, appends exactly one `DossierEvent`, and schedules side effects after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Procedure
from motcua.core.domain.permissions import Action, Role
from motcua.core.models import RoleAssignment, Unit, User
from motcua.core.permissions import can
from motcua.dossiers import domain as rules
from motcua.dossiers.codes import next_code
from motcua.dossiers.files import UploadBatch, store_upload
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierComponent,
    DossierEvent,
    StepExecution,
)
from motcua.dossiers.models import Status as StatusChoices
from motcua.workcalendar.domain import WorkCalendar
from motcua.workcalendar.selectors import calendar_for_unit

# Which permission an action needs, and at which unit of the dossier it is checked.
_RECEIVING = "receiving_unit"
_CURRENT = "current_unit"
ACTION_PERMISSION: dict[rules.DossierAction, tuple[Action, str]] = {
    rules.DossierAction.SUBMIT_ONLINE: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.RECEIVE: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.ACCEPT: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.REFUSE: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.SUPPLEMENT: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.WITHDRAW: (Action.DOSSIER_RECEIVE, _RECEIVING),
    rules.DossierAction.RECORD_PAYMENT: (Action.DOSSIER_RETURN, _RECEIVING),
    rules.DossierAction.RETURN_RESULT: (Action.DOSSIER_RETURN, _RECEIVING),
    rules.DossierAction.REQUEST_SUPPLEMENT: (Action.DOSSIER_VIEW, _CURRENT),
    rules.DossierAction.ASSIGN: (Action.DOSSIER_VIEW, _CURRENT),
    rules.DossierAction.HAND_OVER: (Action.DOSSIER_VIEW, _CURRENT),
    rules.DossierAction.SEND_BACK: (Action.DOSSIER_VIEW, _CURRENT),
    rules.DossierAction.REQUEST_PAYMENT: (Action.DOSSIER_PROCESS, _CURRENT),
    rules.DossierAction.APPROVE: (Action.DOSSIER_APPROVE, _CURRENT),
    rules.DossierAction.RECORD_RESULT: (Action.DOSSIER_VIEW, _CURRENT),
    rules.DossierAction.STOP: (Action.DOSSIER_APPROVE, _CURRENT),
    rules.DossierAction.APOLOGISE: (Action.DOSSIER_APPROVE, _CURRENT),
}
# Actions a portal or a desk performs on behalf of the applicant.
APPLICANT_ACTIONS = frozenset({rules.DossierAction.SUPPLEMENT, rules.DossierAction.WITHDRAW})


class DossierError(Exception):
    """A refused dossier operation: stable `code`, Vietnamese `detail`, HTTP-ish `status`."""

    def __init__(self, code: str, detail: str, status: int = 409) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


def _transition_detail(err: rules.TransitionError) -> str:
    messages = {
        rules.ErrorCode.ACTION_NOT_ALLOWED_IN_STATUS: _(
            "The action “%(action)s” is not possible for a dossier in status %(status)s."),
        rules.ErrorCode.ROLE_NOT_ALLOWED: _("Your role does not allow “%(action)s” on a dossier in status %(status)s."),
        rules.ErrorCode.NO_NEXT_STEP: _("The dossier is at its last step: record the result instead of handing over."),
        rules.ErrorCode.NO_PREVIOUS_STEP: _("The dossier is at its first step: there is no step to send it back to."),
        rules.ErrorCode.NOT_LAST_STEP: _("The result can only be recorded at the last step of the process."),
        rules.ErrorCode.NOT_APPROVED: _("A leader must approve the dossier before its result is recorded."),
        rules.ErrorCode.ALREADY_APPROVED: _("The dossier is already approved."),
        rules.ErrorCode.APOLOGY_ALREADY_GIVEN: _("An apology was already given for this dossier; only one is allowed."),
        rules.ErrorCode.APOLOGY_TOO_LATE: _(
            "An apology must be given at least one working day before the appointment; it is too late now."),
        rules.ErrorCode.APOLOGY_DATE_NOT_AFTER_DUE: _("The new appointment must be after the current one."),
        rules.ErrorCode.MISSING_RESULT: _("Record the result before returning it."),
        rules.ErrorCode.RESULT_NOT_ELECTRONIC: _("Only an electronic result can be returned electronically."),
        rules.ErrorCode.MISSING_PARAMETER: _("Some information needed for “%(action)s” is missing."),
        rules.ErrorCode.INVALID_PARAMETER: _("Some information given for “%(action)s” is not valid."),
        rules.ErrorCode.TIME_BEFORE_LAST_CHANGE: _("The time given is before the dossier's last change."),
    }
    status = rules.Status(err.status)
    return messages[err.code] % {"action": err.action.value, "status": f"{status.value} ({status_label(status)})"}


def status_label(status: int) -> str:
    return str(StatusChoices(int(status)).label)


# ---------------------------------------------------------------------------------------------------------
# Creation


@dataclass
class ApplicantData:
    name: str
    kind: int = 1  # ApplicantKind.CITIZEN
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class ComponentData:
    name: str
    required_document_id: int | None = None
    form: str = "copy"  # DossierComponent.Form.COPY
    quantity: int = 1
    digitized: bool = False
    reused: bool = False
    from_citizen_store: bool = False
    files: list[IO[bytes]] = field(default_factory=list)


def _roles_at(user: User, unit: Unit) -> list[Role]:
    """Roles `user` holds at `unit` or above it (a role reaches its subtree)."""
    codes = [c for c in unit.path.split("/") if c]
    return [Role(r) for r in RoleAssignment.objects.filter(user_id=user.pk, unit__code__in=codes)
            .values_list("role", flat=True).distinct()]


def _resolve_unit(ref: str, *, receiving: Unit, competent: Unit, coordinating: Unit | None) -> Unit:
    return {"receiving_desk": receiving, "coordinating_unit": coordinating or competent}.get(ref, competent)


def step_templates_for(procedure: Procedure, receiving: Unit, competent: Unit) -> list[rules.StepTemplate]:
    coordinating = (Unit.objects.filter(catalog_procedures__procedure=procedure,
                                        catalog_procedures__role="coordinating").first())
    steps = catalog.step_template(procedure, competent)
    if not steps:
        hours = (catalog.limit_of(procedure).working_seconds or 8 * 3600) // 3600
        return [rules.StepTemplate(_("Processing"), Role.SPECIALIST, competent.code, hours)]
    return [
        rules.StepTemplate(
            s.name, Role(s.role),
            _resolve_unit(s.relative_unit, receiving=receiving, competent=competent, coordinating=coordinating).code,
            s.hours,
        )
        for s in steps
    ]


def competent_unit_for(procedure: Procedure, receiving: Unit, competent: Unit | None) -> Unit:
    candidates = catalog.competent_units(procedure)
    if competent is not None:
        if not candidates.filter(pk=competent.pk).exists():
            raise ValidationError({"competent_unit": _("This unit is not competent for the procedure.")})
        return competent
    # The receiving unit itself, else the nearest competent unit above it, else the first one.
    own = candidates.filter(pk=receiving.pk).first()
    if own is not None:
        return own
    ancestors = [c for c in receiving.path.split("/") if c]
    above = candidates.filter(code__in=ancestors).order_by("-depth").first()
    chosen = above or candidates.order_by("path").first()
    if chosen is None:
        raise ValidationError({"procedure": _("No unit is competent for this procedure yet.")})
    return chosen


def _validate_applicant(applicant: ApplicantData) -> None:
    errors: dict[str, str] = {}
    if not applicant.name.strip():
        errors["applicant.name"] = _("Enter the applicant's full name.")
    if applicant.id_number and not (applicant.id_number.isdigit() and len(applicant.id_number) in (9, 12)):
        errors["applicant.id_number"] = _("An ID number has 12 digits (or 9 for an old ID card).")
    if applicant.phone and not (applicant.phone.replace("+", "", 1).isdigit() and 8 <= len(applicant.phone) <= 15):
        errors["applicant.phone"] = _("Enter a phone number of 8 to 15 digits.")
    for name in ("name", "id_number", "phone", "email", "address"):
        if "\x00" in getattr(applicant, name):
            errors[f"applicant.{name}"] = _("The text contains a character that is not allowed.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_dossier(
    *,
    actor: User | None,
    procedure: Procedure,
    receiving_unit: Unit,
    channel: int,
    applicant: ApplicantData,
    components: Sequence[ComponentData] = (),
    competent_unit: Unit | None = None,
    summary: str = "",
    now: datetime | None = None,
    vneid_verified: bool = False,
    fee_total: int = 0,
) -> Dossier:
    """Receive a dossier at the counter or by post (status 4 at the first step), or register an online one (1)."""
    if actor is not None and not can(actor, Action.DOSSIER_RECEIVE, receiving_unit):
        raise PermissionDenied(_("You cannot receive dossiers for this unit."))
    _validate_applicant(applicant)
    if "\x00" in summary or any("\x00" in c.name for c in components):
        raise ValidationError({"summary": _("The text contains a character that is not allowed.")})
    now = now or timezone.now()
    competent = competent_unit_for(procedure, receiving_unit, competent_unit)
    online = channel == Channel.ONLINE
    calendar = calendar_for_unit(receiving_unit)
    try:
        created = rules.new_dossier(
            catalog.limit_of(procedure), step_templates_for(procedure, receiving_unit, competent), now, calendar,
            rules.Channel(channel), online,
        )
    except rules.TransitionError as err:
        raise DossierError(err.code.value, _transition_detail(err)) from err
    state = created.state
    dossier = Dossier(
        code=next_code(receiving_unit.pk, receiving_unit.code, now), procedure=procedure,
        receiving_unit=receiving_unit, competent_unit=competent, current_unit=receiving_unit, channel=channel,
        applicant_kind=applicant.kind, applicant_name=applicant.name.strip(), applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone, applicant_email=applicant.email, applicant_address=applicant.address,
        summary=summary, vneid_verified=vneid_verified, fee_total=fee_total,
    )
    _copy_state(dossier, state)
    dossier.full_clean(exclude=["procedure", "receiving_unit", "competent_unit", "current_unit", "current_holder"])
    dossier.save()
    _sync_steps(dossier, state, units={u.code: u for u in Unit.objects.filter(
        code__in={s.unit_ref for s in state.steps})})
    batch = UploadBatch()
    try:
        for order, component in enumerate(components):
            _add_component(dossier, component, order, batch)
    except Exception:
        batch.discard_new()
        raise
    transaction.on_commit(batch.written.clear)
    _append_event(dossier, created.event, actor)
    return dossier


def _add_component(dossier: Dossier, data: ComponentData, order: int, batch: UploadBatch) -> DossierComponent:
    if not data.name.strip():
        raise ValidationError({"components": _("Every component needs a name.")})
    component = DossierComponent.objects.create(
        dossier=dossier, required_document_id=data.required_document_id, name=data.name.strip(), form=data.form,
        quantity=max(1, data.quantity), digitized=data.digitized or bool(data.files), reused=data.reused,
        from_citizen_store=data.from_citizen_store, order=order,
    )
    for upload in data.files:
        component.files.add(store_upload(upload, batch=batch))
    return component


# ---------------------------------------------------------------------------------------------------------
# Actions


@dataclass
class ActionParams:
    holder: User | None = None
    to_unit: Unit | None = None
    to_step: int | None = None
    electronic: bool | None = None
    channel: str | None = None
    new_due_at: datetime | None = None
    reason: str = ""
    tracking_number: str = ""
    as_applicant: bool = False


def load_state(dossier: Dossier) -> rules.DossierState:
    return rules.state_from_json(dossier.state)


@transaction.atomic
def perform(*, actor: User | None, code: str, action: str, params: ActionParams | None = None,
            now: datetime | None = None) -> Dossier:
    """Do `action` on the dossier `code` as `actor` (None = the system)."""
    params = params or ActionParams()
    if "\x00" in params.reason + params.tracking_number:
        raise DossierError("invalid_parameter", _("The text contains a character that is not allowed."), 400)
    try:
        act = rules.DossierAction(action)
    except ValueError as exc:
        raise DossierError("unknown_action", _("Unknown action “%(action)s”.") % {"action": action}, 400) from exc
    dossier = (Dossier.objects.select_for_update().select_related("receiving_unit", "current_unit")
               .filter(code=code).first())
    if dossier is None or (actor is not None and not can(actor, Action.DOSSIER_VIEW, dossier.current_unit)
                           and not can(actor, Action.DOSSIER_VIEW, dossier.receiving_unit)):
        raise DossierError("dossier_not_found", _("Not found, or you are not allowed to see it."), 404)
    state = load_state(dossier)
    now = now or timezone.now()
    calendar = calendar_for_unit(dossier.receiving_unit)
    actor_role = _actor_role(actor, dossier, state, act, params, now, calendar)
    ctx = rules.Context(
        now=now, actor_role=actor_role, calendar=calendar,
        holder=str(params.holder.pk) if params.holder else None,
        to_unit=params.to_unit.code if params.to_unit else None, to_step=params.to_step,
        electronic=params.electronic,
        channel=rules.ReturnChannel(params.channel) if params.channel else None,
        new_due_at=params.new_due_at, reason=params.reason,
    )
    try:
        result = rules.apply(state, act, ctx)
    except rules.TransitionError as err:
        raise DossierError(err.code.value, _transition_detail(err)) from err
    except ValueError as err:
        raise DossierError("invalid_parameter", _("Some information given is not valid: %(e)s") % {"e": err},
                           400) from err
    _copy_state(dossier, result.state)
    units = {u.code: u for u in Unit.objects.filter(code__in={s.unit_ref for s in result.state.steps})}
    step = result.state.step
    if step is not None:
        dossier.current_unit = units.get(step.unit_ref, dossier.current_unit)
    dossier.version += 1
    dossier.save()
    _sync_steps(dossier, result.state, units=units)
    event = result.event
    if params.tracking_number:
        event = rules.TransitionEvent(**{**event.__dict__, "payload": {**event.payload,
                                                                       "tracking_number": params.tracking_number}})
    _append_event(dossier, event, actor)
    return dossier


def _actor_role(actor: User | None, dossier: Dossier, state: rules.DossierState, act: rules.DossierAction,
                params: ActionParams, now: datetime, calendar: WorkCalendar) -> rules.Actor:
    if actor is None:
        return rules.ActorKind.SYSTEM
    permission, where = ACTION_PERMISSION[act]
    unit = dossier.receiving_unit if where == _RECEIVING else dossier.current_unit
    if not can(actor, permission, unit):
        raise DossierError("permission_denied", _("You may not do “%(action)s” on this dossier.") % {
            "action": act.value}, 403)
    if params.as_applicant and act in APPLICANT_ACTIONS:
        return rules.ActorKind.APPLICANT
    held = _roles_at(actor, unit) or ([Role.LEADER] if actor.is_superuser else [])
    for role in held:
        if act in rules.allowed_actions(state, role):
            return role
    return held[0] if held else rules.ActorKind.SYSTEM


def allowed_actions_for(actor: User, dossier: Dossier, now: datetime | None = None) -> list[str]:
    """The actions `actor` may do on `dossier` now (the buttons to show: only those)."""
    state = load_state(dossier)
    now = now or timezone.now()
    calendar = calendar_for_unit(dossier.receiving_unit)
    allowed: list[str] = []
    roles_by_unit: dict[int, list[Role]] = {}  # one query per unit, not per action
    for act in rules.DossierAction:
        permission, where = ACTION_PERMISSION[act]
        unit = dossier.receiving_unit if where == _RECEIVING else dossier.current_unit
        if not can(actor, permission, unit):
            continue
        if unit.pk not in roles_by_unit:
            roles_by_unit[unit.pk] = _roles_at(actor, unit)
        roles: list[rules.Actor] = [*roles_by_unit[unit.pk]]
        if act in APPLICANT_ACTIONS:
            roles.append(rules.ActorKind.APPLICANT)
        if any(act in rules.allowed_actions(state, role, now, calendar) for role in roles):
            allowed.append(act.value)
    return allowed


# ---------------------------------------------------------------------------------------------------------
# Persistence helpers


def _copy_state(dossier: Dossier, state: rules.DossierState) -> None:
    dossier.status = int(state.status)
    dossier.current_step = state.current_step
    dossier.submitted_at = state.submitted_at
    dossier.received_at = state.received_at
    dossier.due_at = state.due_at
    dossier.original_due_at = state.original_due_at
    dossier.promised_due_at = state.promised_due_at
    dossier.paused_at = state.paused_at
    dossier.supplement_requests = state.supplement_requests_in_processing
    dossier.forced_late = state.forced_late
    dossier.apologised = state.apologised
    dossier.finished_at = state.finished_at
    dossier.returned_at = state.returned_at
    dossier.result_electronic = state.result_electronic
    step = state.step
    dossier.current_holder_id = int(step.holder) if step is not None and step.holder else None
    dossier.state = rules.state_to_json(state)


def _sync_steps(dossier: Dossier, state: rules.DossierState, *, units: dict[str, Unit]) -> None:
    """Keep one StepExecution row per step in step with the state (Mẫu 06 reads them)."""
    existing = {s.index: s for s in StepExecution.objects.filter(dossier=dossier)}
    for step in state.steps:
        row = existing.get(step.index) or StepExecution(dossier=dossier, index=step.index)
        values: dict[str, Any] = {
            "name": step.name, "role": step.role.value, "unit": units[step.unit_ref],
            "holder_id": int(step.holder) if step.holder else None,
            "share_seconds": int(step.share.total_seconds()), "started_at": step.started_at,
            "due_at": step.due_at, "finished_at": step.finished_at,
        }
        if row.pk is None or any(getattr(row, k if k != "unit" else "unit_id") != (v.pk if k == "unit" else v)
                                 for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()


def _append_event(dossier: Dossier, event: rules.TransitionEvent, actor: User | None) -> DossierEvent:
    seq = (DossierEvent.objects.filter(dossier=dossier).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    row = DossierEvent.objects.create(
        dossier=dossier, seq=seq, action=event.action.value, actor=actor,
        actor_name=(actor.full_name or actor.username) if actor else str(event.actor_role.value),
        at=event.at, from_status=None if event.from_status is None else int(event.from_status),
        to_status=int(event.to_status), from_step=event.from_step, to_step=event.to_step,
        payload={**event.payload, "actor_role": event.actor_role.value},
    )
    from motcua.dossiers.tasks import schedule_event_side_effects

    schedule_event_side_effects(row)
    return row
