"""The only writers of dossiers. One use case = one function = one transaction.

Each service checks permission (in SQL, through `motcua.core.permissions`), locks the dossier row,
calls the pure rule (`motcua.dossiers.domain`), saves the columns, the step rows and the state
snapshot, appends exactly one `DossierEvent`, and schedules side effects after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import selectors as catalog
from motcua.catalog.models import Procedure
from motcua.core.domain.permissions import Action, Role
from motcua.core.models import Counter, Unit, User
from motcua.core.permissions import can, roles_at
from motcua.core.pginsert import Part, insert_together, next_ids, row_part
from motcua.dossiers import domain as rules
from motcua.dossiers.codes import code_expression, counter_part, next_code
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
    """Roles `user` holds at `unit` or above it (a role reaches its subtree); cached per request."""
    return roles_at(user, unit)


def _resolve_unit(ref: str, *, receiving: Unit, competent: Unit, coordinating: Unit | None) -> Unit:
    return {"receiving_desk": receiving, "coordinating_unit": coordinating or competent}.get(ref, competent)


def step_templates_for(procedure: Procedure, receiving: Unit, competent: Unit) -> list[rules.StepTemplate]:
    return _step_plan(procedure, receiving, competent)[0]


def _step_plan(procedure: Procedure, receiving: Unit, competent: Unit) -> tuple[list[rules.StepTemplate],
                                                                                  dict[str, Unit]]:
    """The step templates of a new dossier and the units they name (by code)."""
    steps = catalog.step_template(procedure, competent)
    units = {receiving.code: receiving, competent.code: competent}
    if not steps:
        hours = (catalog.limit_of(procedure).working_seconds or 8 * 3600) // 3600
        return [rules.StepTemplate(_("Processing"), Role.SPECIALIST, competent.code, hours)], units
    coordinating = None
    if any(s.relative_unit == "coordinating_unit" for s in steps):
        coordinating = (Unit.objects.filter(catalog_procedures__procedure=procedure,
                                            catalog_procedures__role="coordinating").first())
        if coordinating is not None:
            units[coordinating.code] = coordinating
    return [
        rules.StepTemplate(
            s.name, Role(s.role),
            _resolve_unit(s.relative_unit, receiving=receiving, competent=competent, coordinating=coordinating).code,
            s.hours,
        )
        for s in steps
    ], units


def competent_unit_for(procedure: Procedure, receiving: Unit, competent: Unit | None) -> Unit:
    links = catalog.competent_links(procedure)
    if competent is not None:
        if not catalog.is_competent(links, competent):
            raise ValidationError({"competent_unit": _("This unit is not competent for the procedure.")})
        return competent
    # The receiving unit itself, else the nearest competent unit above it, else the first one.
    if catalog.is_competent(links, receiving):
        return receiving
    candidates = catalog.competent_units(procedure)
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


# On PostgreSQL a new dossier without uploads is written in one statement (`motcua.core.pginsert`); the
# tests compare its rows with the ORM path's (switch this off to take the ORM path).
ONE_STATEMENT_INTAKE = True


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
    register_only: bool = False,
    counter: Counter | None = None,
) -> Dossier:
    """Receive a dossier at the counter or by post (status 4 at the first step), or register an online one (1).

    `register_only`: register a counter or postal dossier without receiving it (status 1, as the applicant's
    submission), so that the desk can request a supplement (Mẫu 02) or refuse it (Mẫu 03) at intake.
    `counter`: the counter of the receiving desk where the officer took the dossier in; its number is
    recorded in the first event's payload (`"counter"`), which the desk's ledger (Mẫu 07) per counter reads.

    Everything up to the writes only reads. The writes are one transaction: on PostgreSQL without uploads a
    single statement (a transaction by itself), else an atomic block of ORM writes.
    """
    if actor is not None and not can(actor, Action.DOSSIER_RECEIVE, receiving_unit):
        raise PermissionDenied(_("You cannot receive dossiers for this unit."))
    _check_counter(counter, receiving_unit)
    _validate_applicant(applicant)
    if "\x00" in summary or any("\x00" in c.name for c in components):
        raise ValidationError({"summary": _("The text contains a character that is not allowed.")})
    now = now or timezone.now()
    competent = competent_unit_for(procedure, receiving_unit, competent_unit)
    online = channel == Channel.ONLINE or register_only
    calendar = calendar_for_unit(receiving_unit)
    templates, units = _step_plan(procedure, receiving_unit, competent)
    try:
        created = rules.new_dossier(
            catalog.limit_of(procedure), templates, now, calendar, rules.Channel(channel), online,
        )
    except rules.TransitionError as err:
        raise DossierError(err.code.value, _transition_detail(err)) from err
    state = created.state
    dossier = Dossier(
        procedure=procedure,
        receiving_unit=receiving_unit, competent_unit=competent, current_unit=receiving_unit, channel=channel,
        applicant_kind=applicant.kind, applicant_name=applicant.name.strip(), applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone, applicant_email=applicant.email, applicant_address=applicant.address,
        summary=summary, vneid_verified=vneid_verified, fee_total=fee_total,
    )
    _copy_state(dossier, state, calendar)
    # The code comes from the gap-free sequence (in the write below) and the constraints are the database's:
    # checking them here would only cost queries.
    dossier.full_clean(exclude=["code", "procedure", "receiving_unit", "competent_unit", "current_unit",
                                "current_holder"], validate_unique=False, validate_constraints=False)
    for component in components:
        if not component.name.strip():
            raise ValidationError({"components": _("Every component needs a name.")})
    event = created.event
    if counter is not None:
        event = replace(event, payload={**event.payload, "counter": counter.number})
    if connection.vendor == "postgresql" and ONE_STATEMENT_INTAKE and not any(c.files for c in components):
        _create_in_one_statement(dossier, state, event, actor, components, units, now)
        return dossier
    with transaction.atomic():
        dossier.code = next_code(receiving_unit.pk, receiving_unit.code, now)
        _create_with_orm(dossier, state, event, actor, components, units)
    return dossier


def _create_in_one_statement(dossier: Dossier, state: rules.DossierState, event: rules.TransitionEvent,
                             actor: User | None, components: Sequence[ComponentData], units: dict[str, Unit],
                             now: datetime) -> None:
    """The common intake (PostgreSQL, no uploads): the code number, the dossier, its steps, components and
    first event, the rollups and the notification task row, all in ONE statement. It is a transaction by
    itself (or part of the caller's), and the hot rows it locks (the day's code counter, the unit's rollup
    rows) are held only while it runs, not across round trips: intakes at one desk queue on them.
    """
    from motcua.dossiers.tasks import announce, outbox_rows, schedule_event_side_effects
    from motcua.metrics.rollups import on_event as keep_rollups

    # The keys are taken first so that every row, the rollups' facts and the task's argument included, is
    # known here (a sequence is not transactional: a failed intake leaves a gap in ids, never in codes).
    dossier.pk, event_pk = next_ids(Dossier, DossierEvent)
    plain = [_component_row(dossier, c, order) for order, c in enumerate(components)]
    row = _event_row(dossier, event, actor, seq=1)
    row.pk = event_pk
    steps = _step_rows(dossier, state, units)
    after: list[Part] = []
    keep_rollups(dossier, event, new_components=plain, late_steps=_new_late_steps(dossier, steps), into=after)
    tasks = outbox_rows(row)
    after.extend(row_part(f"t{i}", task) for i, task in enumerate(tasks or ()))
    day = timezone.localdate(now)
    insert_together(dossier, [steps, plain], row, before=[counter_part(dossier.receiving_unit_id, day)],
                    computed={"code": code_expression(dossier.receiving_unit.code, day)}, after=after)
    if tasks is None:
        schedule_event_side_effects(row)
    else:
        announce(tasks)


def _create_with_orm(dossier: Dossier, state: rules.DossierState, event: rules.TransitionEvent,
                     actor: User | None, components: Sequence[ComponentData], units: dict[str, Unit]) -> None:
    dossier.save(force_insert=True)
    late_steps = _insert_steps(dossier, state, units)
    batch = UploadBatch()
    try:
        plain = [_component_row(dossier, c, order) for order, c in enumerate(components) if not c.files]
        DossierComponent.objects.bulk_create(plain)
        for order, component in enumerate(components):
            if component.files:
                _add_component(dossier, component, order, batch)
    except Exception:
        batch.discard_new()
        raise
    transaction.on_commit(batch.written.clear)
    # Without files every component row is in `plain`: the rollups need not count them again.
    _append_event(dossier, event, actor, seq=1, new_components=plain if len(plain) == len(components) else None,
                  late_steps=late_steps)


def _check_counter(counter: Counter | None, desk: Unit) -> None:
    """A counter recorded with a receipt must be an active counter of the receiving desk."""
    if counter is not None and (counter.unit_id != desk.pk or not counter.is_active):
        raise ValidationError({"counter": _("This counter is not an open counter of the receiving desk.")})


def _component_row(dossier: Dossier, data: ComponentData, order: int) -> DossierComponent:
    return DossierComponent(
        dossier=dossier, required_document_id=data.required_document_id, name=data.name.strip(), form=data.form,
        quantity=max(1, data.quantity), digitized=data.digitized or bool(data.files), reused=data.reused,
        from_citizen_store=data.from_citizen_store, order=order,
    )


def _add_component(dossier: Dossier, data: ComponentData, order: int, batch: UploadBatch) -> DossierComponent:
    if not data.name.strip():
        raise ValidationError({"components": _("Every component needs a name.")})
    component = _component_row(dossier, data, order)
    component.save(force_insert=True)
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
    # Facts recorded in the event payload (checked by `_details`): the amount to pay (request_payment, VND),
    # the documents to supplement (request_supplement), who received the result at the desk (return_result),
    # the result document (record_result; stored by content like any dossier file).
    amount: int | None = None
    missing: tuple[str, ...] = ()
    receiver_name: str = ""
    receiver_id_number: str = ""
    receiver_relationship: str = ""  # RECEIVER_RELATIONSHIPS
    result_file: IO[bytes] | None = None
    counter: Counter | None = None  # receive / accept at a counter of the receiving desk (payload "counter")
    missing_reasons: tuple[str, ...] = ()  # what to add or fix in each of `missing`, same order ("" for none)


RECEIVER_RELATIONSHIPS = ("self", "authorised")
NOTE_ACTION = "note"
"""Event action of an officer's note: recorded in the event log, changes nothing else."""
MAX_DETAIL_LENGTH = 2000
_NOTE_ROLES = frozenset({Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK})


def _invalid(message: str) -> DossierError:
    return DossierError("invalid_parameter", message, 400)


def _details(act: rules.DossierAction, params: ActionParams) -> dict[str, rules.PayloadValue]:
    """The extra facts `act` records in its event, validated (nothing is written when one is wrong)."""
    texts = [params.reason, params.tracking_number, params.receiver_name, params.receiver_id_number,
             params.receiver_relationship, *params.missing, *params.missing_reasons]
    if any("\x00" in t for t in texts):
        raise _invalid(_("The text contains a character that is not allowed."))
    if any(len(t) > MAX_DETAIL_LENGTH for t in texts):
        raise _invalid(_("A text is too long (at most %(n)s characters).") % {"n": MAX_DETAIL_LENGTH})
    details: dict[str, rules.PayloadValue] = {}
    if params.tracking_number.strip():
        details["tracking_number"] = params.tracking_number.strip()
    if params.amount is not None:
        if act is not rules.DossierAction.REQUEST_PAYMENT or isinstance(params.amount, bool) \
                or not 1 <= params.amount <= 10**13:
            raise _invalid(_("The amount to pay must be a whole number of đồng greater than zero."))
        details["amount"] = params.amount
    if len(params.missing_reasons) > len(params.missing):
        raise _invalid(_("Each reason must go with a document to supplement."))
    # One line per document (and per reason, in the same order): the supplement request (Mẫu 02) lists them.
    pairs = [(" ".join(m.split()), " ".join(r.split()))
             for m, r in zip(params.missing, (*params.missing_reasons, *[""] * len(params.missing)), strict=False)]
    missing = [(m, r) for m, r in pairs if m]
    if missing:
        if act is not rules.DossierAction.REQUEST_SUPPLEMENT:
            raise _invalid(_("Documents to supplement only go with a supplement request."))
        details["missing"] = "\n".join(m for m, _r in missing)
        if any(r for _m, r in missing):
            details["missing_reasons"] = "\n".join(r for _m, r in missing)
    receiver = (params.receiver_name.strip(), params.receiver_id_number.strip(), params.receiver_relationship)
    if any(receiver):
        name, id_number, relationship = receiver
        if act is not rules.DossierAction.RETURN_RESULT or params.channel != rules.ReturnChannel.DESK.value:
            raise _invalid(_("Who received the result is only recorded for a return at the desk."))
        if not name:
            raise _invalid(_("Enter the full name of the person who receives the result."))
        if id_number and not (id_number.isdigit() and len(id_number) in (9, 12)):
            raise _invalid(_("An ID number has 12 digits (or 9 for an old ID card)."))
        if relationship and relationship not in RECEIVER_RELATIONSHIPS:
            raise _invalid(_("Say whether the receiver is the applicant or an authorised person."))
        details.update({"receiver_name": name, "receiver_id_number": id_number,
                        "receiver_relationship": relationship})
    if params.result_file is not None and act is not rules.DossierAction.RECORD_RESULT:
        raise _invalid(_("A result document only goes with recording the result."))
    if params.counter is not None:
        if act not in (rules.DossierAction.RECEIVE, rules.DossierAction.ACCEPT):
            raise _invalid(_("A counter is only recorded when a dossier is received."))
        details["counter"] = params.counter.number
    return details


def load_state(dossier: Dossier) -> rules.DossierState:
    return rules.state_from_json(dossier.state)


@transaction.atomic
def perform(*, actor: User | None, code: str, action: str, params: ActionParams | None = None,
            now: datetime | None = None) -> Dossier:
    """Do `action` on the dossier `code` as `actor` (None = the system)."""
    params = params or ActionParams()
    try:
        act = rules.DossierAction(action)
    except ValueError as exc:
        raise DossierError("unknown_action", _("Unknown action “%(action)s”.") % {"action": action}, 400) from exc
    details = _details(act, params)
    dossier = (Dossier.objects.select_for_update().select_related("receiving_unit", "current_unit")
               .filter(code=code).first())
    if dossier is None or (actor is not None and not can(actor, Action.DOSSIER_VIEW, dossier.current_unit)
                           and not can(actor, Action.DOSSIER_VIEW, dossier.receiving_unit)):
        raise DossierError("dossier_not_found", _("Not found, or you are not allowed to see it."), 404)
    if params.counter is not None and (params.counter.unit_id != dossier.receiving_unit_id
                                       or not params.counter.is_active):
        raise _invalid(_("This counter is not an open counter of the receiving desk."))
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
    batch = UploadBatch()
    try:
        if params.result_file is not None:
            try:
                details["result_file"] = store_upload(params.result_file, batch=batch).sha256
            except ValidationError as exc:
                raise DossierError(exc.code or "invalid_file", " ".join(exc.messages), 422) from exc
        paused_before = dossier.paused_at
        _copy_state(dossier, result.state, calendar)
        units = {u.code: u for u in Unit.objects.filter(code__in={s.unit_ref for s in result.state.steps})}
        step = result.state.step
        if step is not None:
            dossier.current_unit = units.get(step.unit_ref, dossier.current_unit)
        dossier.version += 1
        dossier.save()
        late_steps = _sync_steps(dossier, result.state, units=units, paused_before=paused_before)
        event = result.event
        if details:
            event = replace(event, payload={**event.payload, **details})
        _append_event(dossier, event, actor, late_steps=late_steps)
    except Exception:
        batch.discard_new()
        raise
    transaction.on_commit(batch.written.clear)
    return dossier


def _note_roles(actor: User, dossier: Dossier) -> list[Role]:
    units = (dossier.current_unit, dossier.receiving_unit, dossier.competent_unit)
    return sorted({r for u in units for r in _roles_at(actor, u)} & _NOTE_ROLES, key=lambda r: r.value)


def can_add_note(actor: User, dossier: Dossier) -> bool:
    """May `actor` add a note to `dossier` (an officer role at its current, receiving or competent unit)?"""
    return bool(actor.is_superuser or _note_roles(actor, dossier))


@transaction.atomic
def add_note(*, actor: User, code: str, text: str, now: datetime | None = None) -> DossierEvent:
    """An officer's note on a dossier: one `note` event (payload `note`); status, steps and times are unchanged.

    404 outside the actor's reach; 403 for users without an officer role there (monitors, administrators).
    """
    text = text.strip()
    if not text or "\x00" in text or len(text) > MAX_DETAIL_LENGTH:
        raise ValidationError({"text": _("Write a note of 1 to %(n)s characters.") % {"n": MAX_DETAIL_LENGTH}})
    dossier = (Dossier.objects.select_for_update()
               .select_related("receiving_unit", "current_unit", "competent_unit").filter(code=code).first())
    units = [] if dossier is None else [dossier.current_unit, dossier.receiving_unit, dossier.competent_unit]
    if dossier is None or not any(can(actor, Action.DOSSIER_VIEW, u) for u in units):
        raise DossierError("dossier_not_found", _("Not found, or you are not allowed to see it."), 404)
    roles = _note_roles(actor, dossier)
    if not roles and not actor.is_superuser:
        raise DossierError("permission_denied", _("Only officers handling dossiers can add notes."), 403)
    seq = (DossierEvent.objects.filter(dossier=dossier).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    return DossierEvent.objects.create(
        dossier=dossier, seq=seq, action=NOTE_ACTION, actor=actor, actor_name=actor.full_name or actor.username,
        at=now or timezone.now(), from_status=dossier.status, to_status=dossier.status,
        from_step=dossier.current_step, to_step=dossier.current_step,
        payload={"note": text, "actor_role": roles[0].value if roles else Role.LEADER.value},
    )


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
    by_role: dict[rules.Actor, frozenset[rules.DossierAction]] = {}  # the rules asked once per role

    def allows(role: rules.Actor, act: rules.DossierAction) -> bool:
        if role not in by_role:
            by_role[role] = frozenset(rules.allowed_actions(state, role, now, calendar))
        return act in by_role[role]

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
        if any(allows(role, act) for role in roles):
            allowed.append(act.value)
    return allowed


# ---------------------------------------------------------------------------------------------------------
# Persistence helpers


def _copy_state(dossier: Dossier, state: rules.DossierState, calendar: WorkCalendar) -> None:
    dossier.status = int(state.status)
    dossier.current_step = state.current_step
    dossier.submitted_at = state.submitted_at
    dossier.received_at = state.received_at
    dossier.due_at = state.due_at
    dossier.original_due_at = state.original_due_at
    dossier.promised_due_at = state.promised_due_at
    dossier.paused_at = state.paused_at
    dossier.at_risk_from = rules.at_risk_from(state, calendar)
    dossier.overdue_from = rules.overdue_from(state)
    dossier.awaiting_approval = state.awaiting_approval
    dossier.supplement_requests = state.supplement_requests_in_processing
    dossier.forced_late = state.forced_late
    dossier.apologised = state.apologised
    dossier.finished_at = state.finished_at
    dossier.returned_at = state.returned_at
    dossier.result_electronic = state.result_electronic
    step = state.step
    dossier.current_holder_id = int(step.holder) if step is not None and step.holder else None
    dossier.state = rules.state_to_json(state)


def _step_values(step: rules.StepState, units: dict[str, Unit]) -> dict[str, Any]:
    return {
        "name": step.name, "role": step.role.value, "unit": units[step.unit_ref],
        "holder_id": int(step.holder) if step.holder else None,
        "share_seconds": int(step.share.total_seconds()), "started_at": step.started_at,
        "due_at": step.due_at, "finished_at": step.finished_at,
    }


def _insert_steps(dossier: Dossier, state: rules.DossierState, units: dict[str, Unit]) -> dict[Any, int]:
    """The step rows of a new dossier, in one statement; returns their late-step rollup additions."""
    rows = _step_rows(dossier, state, units)
    StepExecution.objects.bulk_create(rows)
    return _new_late_steps(dossier, rows)


def _step_rows(dossier: Dossier, state: rules.DossierState, units: dict[str, Unit]) -> list[StepExecution]:
    return [StepExecution(dossier=dossier, index=step.index, **_step_values(step, units)) for step in state.steps]


def _sync_steps(dossier: Dossier, state: rules.DossierState, *, units: dict[str, Unit],
                paused_before: datetime | None) -> dict[Any, int]:
    """Keep one StepExecution row per step in step with the state (Mẫu 06 reads them). Returns what the
    change does to the late-step rollup (`metrics.latesteps`: the rows' buckets before, with the dossier's
    `paused_before`, and after), for the event's rollup upkeep."""
    from motcua.metrics import latesteps
    from motcua.metrics.rollups import tz

    zone = tz()
    existing = {s.index: s for s in StepExecution.objects.filter(dossier=dossier)}
    before = latesteps.keys_of(existing.values(), paused_before, zone)
    after = []
    for step in state.steps:
        row = existing.get(step.index) or StepExecution(dossier=dossier, index=step.index)
        values = _step_values(step, units)
        if row.pk is None or any(getattr(row, k if k != "unit" else "unit_id") != (v.pk if k == "unit" else v)
                                 for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
        after.append(row)
    return latesteps.difference(before, latesteps.keys_of(after, dossier.paused_at, zone))


def _new_late_steps(dossier: Dossier, rows: list[StepExecution]) -> dict[Any, int]:
    """The late-step rollup's additions for the step rows of a dossier just created."""
    from motcua.metrics import latesteps
    from motcua.metrics.rollups import tz

    return latesteps.difference([], latesteps.keys_of(rows, dossier.paused_at, tz()))


def _append_event(dossier: Dossier, event: rules.TransitionEvent, actor: User | None,
                  seq: int | None = None, new_components: list[DossierComponent] | None = None,
                  late_steps: dict[Any, int] | None = None) -> DossierEvent:
    """Append the event; `seq` is known for a new dossier (1), else the next after the last one.
    `new_components`: all the components of a dossier created just now; `late_steps`: what the event did to
    the late-step rollup (see `metrics.rollups.on_event`)."""
    if seq is None:
        seq = (DossierEvent.objects.filter(dossier=dossier).order_by("-seq").values_list("seq", flat=True)
               .first() or 0) + 1
    row = _event_row(dossier, event, actor, seq=seq)
    row.save(force_insert=True)
    _after_event(dossier, event, row, new_components=new_components, late_steps=late_steps)
    return row


def _event_row(dossier: Dossier, event: rules.TransitionEvent, actor: User | None, *, seq: int) -> DossierEvent:
    return DossierEvent(
        dossier=dossier, seq=seq, action=event.action.value, actor=actor,
        actor_name=(actor.full_name or actor.username) if actor else str(event.actor_role.value),
        at=event.at, from_status=None if event.from_status is None else int(event.from_status),
        to_status=int(event.to_status), from_step=event.from_step, to_step=event.to_step,
        payload={**event.payload, "actor_role": event.actor_role.value},
    )


def _after_event(dossier: Dossier, event: rules.TransitionEvent, row: DossierEvent,
                 new_components: list[DossierComponent] | None, late_steps: dict[Any, int] | None = None) -> None:
    """What every stored event brings along, in its transaction: the reports' rollups, the side effects."""
    from motcua.dossiers.tasks import schedule_event_side_effects
    from motcua.metrics.rollups import on_event as keep_rollups

    keep_rollups(dossier, event, new_components=new_components, late_steps=late_steps)
    schedule_event_side_effects(row)
