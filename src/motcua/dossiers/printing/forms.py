"""Context builders of the official forms 01–06 of one dossier (Circular 03/2025/TT-VPCP set).

Each builder reads the dossier, its events, steps and components through the dossier selectors and
returns a plain dict for its template under `dossiers/print/`. A form that does not apply to the
dossier's history (03 for a dossier never refused…) raises `FormNotApplicable` with a message saying
why: the interfaces answer 404 with it instead of printing an empty form.

What each form is built from:

* 01 receipt and appointment: the receipt event (`receive`/`accept`), the components, the fee total,
  the time limit of the state snapshot, the current appointment (`due_at`).
* 02 supplement request: a `request_supplement` event (the latest, or `event=seq`): its reason, one
  item per line (or the payload's `missing` list when an interface records one).
* 03 refusal: the `refuse` event and its reason. 04 apology: the `apologise` event (appointment before,
  new date, reason). 05 stop notice: the `stop` event and its reason.
* 06 process control sheet: every event, in order, as hand-overs (from unit/officer → to unit/officer,
  time, the due time of the step handed on, early/on time/late), then the step in progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers import domain as rules
from motcua.dossiers import selectors
from motcua.dossiers.domain.deadlines import shift
from motcua.dossiers.models import ApplicantKind, Channel
from motcua.dossiers.printing import text
from motcua.dossiers.printing.pdf import lookup_url, qr_svg
from motcua.workcalendar.selectors import calendar_for_unit

if TYPE_CHECKING:
    from motcua.core.models import Unit
    from motcua.dossiers.models import Dossier, DossierEvent

A = rules.DossierAction
RECEIPT_ACTIONS = (A.RECEIVE.value, A.ACCEPT.value)


class FormNotApplicable(Exception):
    """The form does not apply to this dossier's history; `message` says why (shown with the 404)."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message  # lazy: shown in the officer's language, while the forms are in Vietnamese


@dataclass(frozen=True)
class FormSpec:
    number: str
    template: str
    title: Promise
    slug: str


FORMS: dict[str, FormSpec] = {
    "01": FormSpec("01", "dossiers/print/01_receipt.html",
                   gettext_lazy("Receipt of the dossier and appointment for the result"), "tiep-nhan-hen-tra"),
    "02": FormSpec("02", "dossiers/print/02_supplement.html",
                   gettext_lazy("Request to supplement and complete the dossier"), "yeu-cau-bo-sung"),
    "03": FormSpec("03", "dossiers/print/03_refusal.html",
                   gettext_lazy("Refusal to receive and handle the dossier"), "tu-choi"),
    "04": FormSpec("04", "dossiers/print/04_apology.html",
                   gettext_lazy("Apology and new appointment for the result"), "xin-loi-hen-lai"),
    "05": FormSpec("05", "dossiers/print/05_stop.html",
                   gettext_lazy("Notice of stopping the handling of the dossier"), "dung-giai-quyet"),
    "06": FormSpec("06", "dossiers/print/06_control_sheet.html",
                   gettext_lazy("Process control sheet of the dossier"), "kiem-soat-qua-trinh"),
}


@dataclass(frozen=True)
class Header:
    """The national-emblem header: governing body and unit on the left, the motto on the right, place and date."""

    governing: str
    unit: str
    place_date: str


@dataclass(frozen=True)
class Item:
    number: int
    name: str
    form: str = ""
    quantity: int | None = None
    note: str = ""


@dataclass
class SheetRow:
    number: int
    giver: str
    receiver: str
    at: str
    due: str = ""
    timeliness: str = ""
    timeliness_code: str = ""
    note: str = ""


@dataclass
class _Walk:
    """What the process-control-sheet walk knows while replaying the events."""

    step_due: datetime | None = None
    unit_of_step: dict[int, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# Shared pieces


def _ancestors(unit: Unit) -> dict[str, Unit]:
    from motcua.core.models import Unit as UnitModel

    codes = [c for c in unit.path.split("/") if c and c != unit.code]
    return {u.code: u for u in UnitModel.objects.filter(code__in=codes)}


def header_for(unit: Unit, moment: datetime) -> Header:
    ancestors = _ancestors(unit)
    parent = next((u for u in ancestors.values() if u.pk == unit.parent_id), None)
    return Header(governing=parent.name if parent else "", unit=unit.name,
                  place_date=text.place_date(text.place_of(unit, ancestors), moment))


def _applicant(dossier: Dossier) -> dict[str, Any]:
    return {"name": dossier.applicant_name, "address": dossier.applicant_address, "phone": dossier.applicant_phone,
            "email": dossier.applicant_email, "organisation": dossier.applicant_kind != ApplicantKind.CITIZEN}


def _base(dossier: Dossier, spec: FormSpec, issuing_unit: Unit, moment: datetime) -> dict[str, Any]:
    url = lookup_url(dossier.code)
    return {
        "form": spec, "title": spec.title, "dossier": dossier, "code": dossier.code,
        "header": header_for(issuing_unit, moment), "issuing_unit": issuing_unit,
        "lookup_url": url, "qr": qr_svg(url), "applicant": _applicant(dossier),
        "procedure": dossier.procedure.name, "procedure_code": dossier.procedure.code,
        "receiving_unit": dossier.receiving_unit, "competent_unit": dossier.competent_unit,
    }


def _events(dossier: Dossier) -> list[DossierEvent]:
    return list(selectors.events_of(dossier))


def _pick(events: list[DossierEvent], action: str, seq: int | None, missing: Promise) -> DossierEvent:
    """The event of `action` numbered `seq`, or the latest one; FormNotApplicable(missing) when there is none."""
    matching = [e for e in events if e.action == action]
    if seq is not None:
        matching = [e for e in matching if e.seq == seq]
    if not matching:
        raise FormNotApplicable(missing)
    return matching[-1]


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _step_unit(dossier: Dossier, step_index: int | None, fallback: Unit) -> Unit:
    """The unit that performed step `step_index` (the one issuing a form during processing)."""
    if step_index is None:
        return fallback
    row = selectors.steps_of(dossier).filter(index=step_index).first()
    return row.unit if row is not None else fallback


def _reason(event: DossierEvent) -> str:
    return str(event.payload.get("reason") or "").strip()


# ---------------------------------------------------------------------------------------------------------
# 01 receipt and appointment


def receipt_context(dossier: Dossier) -> dict[str, Any]:
    events = _events(dossier)
    receipt = next((e for e in events if e.action in RECEIPT_ACTIONS), None)
    if receipt is None or dossier.received_at is None:
        raise FormNotApplicable(gettext_lazy("This dossier has not been received yet: there is no receipt to print."))
    state = rules.state_from_json(dossier.state)
    ctx = _base(dossier, FORMS["01"], dossier.receiving_unit, receipt.at)
    components = [
        Item(i, c.name, str(c.get_form_display()), c.quantity)
        for i, c in enumerate(selectors.components_of(dossier), start=1)
    ]
    ctx.update({
        "components": components,
        "limit": text.limit_text(state.limit),
        "received_at": text.clock(dossier.received_at),
        "due_at": text.clock(dossier.due_at),
        "fee": text.money(dossier.fee_total) if dossier.fee_total else _("No fee or charge"),
        "result_channel": _result_channel(dossier, receipt),
        "officer": receipt.actor_name,
        "channel": dossier.get_channel_display(),
    })
    return ctx


def _result_channel(dossier: Dossier, receipt: DossierEvent) -> str:
    """Where the applicant registered to receive the result (recorded at receipt, else by the intake channel)."""
    chosen = receipt.payload.get("result_channel")
    if chosen in {c.value for c in rules.ReturnChannel}:
        return str(text.RETURN_CHANNEL_LABELS[rules.ReturnChannel(chosen)])
    by_intake = {Channel.ONLINE: rules.ReturnChannel.ELECTRONIC, Channel.POSTAL: rules.ReturnChannel.POST}
    return str(text.RETURN_CHANNEL_LABELS[by_intake.get(Channel(dossier.channel), rules.ReturnChannel.DESK)])


# ---------------------------------------------------------------------------------------------------------
# 02 supplement request, 03 refusal, 04 apology, 05 stop notice


def supplement_items(event: DossierEvent) -> list[Item]:
    """What is missing or incorrect: the payload's `missing` list if any, else one item per line of the reason."""
    missing = event.payload.get("missing")
    items: list[Item] = []
    if isinstance(missing, str):  # the services record the documents one per line, their reasons likewise
        reasons = str(event.payload.get("missing_reasons") or "").split("\n")
        missing = [{"name": name, "reason": reasons[i] if i < len(reasons) else ""}
                   for i, name in enumerate(missing.split("\n"))]
    if isinstance(missing, list):
        for entry in missing:
            if isinstance(entry, dict):
                name = str(entry.get("name") or "").strip()
                if name:
                    items.append(Item(len(items) + 1, name, note=str(entry.get("reason") or "").strip()))
            elif str(entry).strip():
                items.append(Item(len(items) + 1, str(entry).strip()))
        if items:
            return items
    for line in _reason(event).splitlines():
        cleaned = line.strip().lstrip("-•*–").strip()
        if cleaned:
            items.append(Item(len(items) + 1, cleaned))
    return items


def _general_reason(reason: str, items: list[Item]) -> str:
    """The officer's explanation without the list of documents the reason repeats (the dossier page writes
    "To supplement or correct:" then "- document: what to fix" lines, already printed as the items)."""
    names = tuple(item.name for item in items)
    heading = _("To supplement or correct:")
    kept = [line for line in reason.splitlines()
            if line.strip() != heading and not (line.startswith("- ") and line[2:].startswith(names))]
    return "\n".join(kept).strip()


def supplement_context(dossier: Dossier, seq: int | None = None) -> dict[str, Any]:
    event = _pick(
        _events(dossier), A.REQUEST_SUPPLEMENT.value, seq,
        gettext_lazy("No supplement was requested for this dossier: there is no supplement request to print."))
    unit = _step_unit(dossier, event.from_step, dossier.receiving_unit)
    ctx = _base(dossier, FORMS["02"], unit, event.at)
    missing = event.payload.get("missing")
    items = supplement_items(event)
    ctx.update({
        "event": event, "items": items, "requested_at": text.clock(event.at),
        # With a list of documents the reason is the general explanation; otherwise its lines are the items.
        "reason": _general_reason(_reason(event), items) if missing else "",
        "officer": event.actor_name, "request_number": event.payload.get("request_number") or 1,
        "contact_phone": unit.phone or dossier.receiving_unit.phone,
    })
    return ctx


def refusal_context(dossier: Dossier, seq: int | None = None) -> dict[str, Any]:
    event = _pick(_events(dossier), A.REFUSE.value, seq,
                  gettext_lazy("This dossier was not refused: there is no refusal to print."))
    ctx = _base(dossier, FORMS["03"], dossier.receiving_unit, event.at)
    ctx.update({"event": event, "reason": _reason(event), "officer": event.actor_name,
                "submitted_at": text.clock(dossier.submitted_at or event.at)})
    return ctx


def apology_context(dossier: Dossier, seq: int | None = None) -> dict[str, Any]:
    event = _pick(_events(dossier), A.APOLOGISE.value, seq,
                  gettext_lazy("No apology was given for this dossier: there is no apology to print."))
    unit = _step_unit(dossier, event.from_step, dossier.competent_unit)
    before = _parse(event.payload.get("due_at_before")) or dossier.original_due_at
    new = _parse(event.payload.get("promised_due_at")) or dossier.promised_due_at
    ctx = _base(dossier, FORMS["04"], unit, event.at)
    ctx.update({
        "event": event, "reason": _reason(event), "officer": event.actor_name,
        "received_on": text.long_date(dossier.received_at) if dossier.received_at else "",
        "due_before": text.clock(before), "new_due": text.clock(new),
    })
    return ctx


def stop_context(dossier: Dossier, seq: int | None = None) -> dict[str, Any]:
    event = _pick(_events(dossier), A.STOP.value, seq,
                  gettext_lazy("The handling of this dossier was not stopped: there is no stop notice to print."))
    unit = _step_unit(dossier, event.from_step, dossier.competent_unit)
    ctx = _base(dossier, FORMS["05"], unit, event.at)
    ctx.update({
        "event": event, "reason": _reason(event), "officer": event.actor_name,
        "received_on": text.long_date(dossier.received_at) if dossier.received_at else "",
        "stopped_at": text.clock(event.at),
    })
    return ctx


# ---------------------------------------------------------------------------------------------------------
# 06 process control sheet


def control_sheet_context(dossier: Dossier, now: datetime | None = None) -> dict[str, Any]:
    """Every dossier has one (an online dossier refused at intake too: its trail is submission → refusal)."""
    now = now or timezone.now()
    state = rules.state_from_json(dossier.state)
    events = _events(dossier)
    steps = {s.index: s for s in selectors.steps_of(dossier)}
    rows = _sheet_rows(dossier, state, events, steps, now)
    ctx = _base(dossier, FORMS["06"], dossier.receiving_unit, now)
    others = sorted({s.unit.name for s in steps.values()} - {dossier.receiving_unit.name, dossier.competent_unit.name})
    timeliness = rules.timeliness_of(state, now)
    ctx.update({
        "rows": rows,
        "coordinating": others,
        "received_at": text.clock(dossier.received_at),
        "original_due_at": text.clock(dossier.original_due_at),
        "promised_due_at": text.clock(dossier.promised_due_at),
        "finished_at": text.clock(dossier.finished_at),
        "returned_at": text.clock(dossier.returned_at),
        "status": dossier.get_status_display(),
        "timeliness": text.timeliness_label(timeliness),
        "printed_at": text.clock(now),
    })
    return ctx


def _names(events: list[DossierEvent], steps: dict[int, Any], state: rules.DossierState) -> tuple[
        dict[str, str], dict[str, str]]:
    """Unit names by code and officer names by id for everything the events and steps mention."""
    from motcua.core.models import Unit as UnitModel

    codes = {s.unit_ref for s in state.steps}
    holders: set[int] = set()
    for e in events:
        for key in ("from_unit", "to_unit"):
            if e.payload.get(key):
                codes.add(str(e.payload[key]))
        holder = e.payload.get("holder")
        if holder and str(holder).isdigit():
            holders.add(int(str(holder)))
    for s in state.steps:
        if s.holder and s.holder.isdigit():
            holders.add(int(s.holder))
    units = dict(UnitModel.objects.filter(code__in=codes).values_list("code", "name"))
    people = {str(pk): (full or user) for pk, full, user in
              get_user_model().objects.filter(pk__in=holders).values_list("pk", "full_name", "username")}
    return units, people


def _sheet_rows(dossier: Dossier, state: rules.DossierState, events: list[DossierEvent], steps: dict[int, Any],
                now: datetime) -> list[SheetRow]:
    units, people = _names(events, steps, state)
    calendar = calendar_for_unit(dossier.receiving_unit)
    walk = _Walk(unit_of_step={s.index: s.unit_ref for s in state.steps})
    desk = dossier.receiving_unit.name
    applicant = dossier.applicant_name
    rows: list[SheetRow] = []

    def step_text(index: int | None, unit_code: str | None, person: str | None) -> str:
        if index is None:
            return _join(desk, person)
        name = steps[index].name if index in steps else ""
        unit = units.get(unit_code or walk.unit_of_step.get(index, ""), "")
        label = _("Step %(n)s: %(name)s") % {"n": index + 1, "name": name}
        return _join(label, unit, person)

    def holder(payload: dict[str, Any]) -> str:
        return people.get(str(payload.get("holder") or ""), "")

    def add(giver: str, receiver: str, at: datetime | None, note: str, due: datetime | None = None,
            judged: rules.Timeliness | None = None) -> None:
        rows.append(SheetRow(len(rows) + 1, giver, receiver, text.short(at), text.short(due),
                             text.timeliness_label(judged), judged.value if judged else "", note))

    for e in events:
        p, action, reason = e.payload, e.action, _reason(e)
        if action == A.SUBMIT_ONLINE:
            registered_at_desk = text.submission_channel(p, dossier.channel) is not rules.Channel.ONLINE
            add(applicant, _join(desk, e.actor_name) if registered_at_desk else desk, e.at,
                text.submission_label(p, dossier.channel))
        elif action in RECEIPT_ACTIONS:
            at_counter = _("Counter %(number)s") % {"number": p["counter"]} if p.get("counter") else None
            add(applicant, _join(desk, at_counter, e.actor_name), e.at,
                _("Dossier received; appointment %(due)s") % {"due": text.short(_parse(p.get("due_at")))})
            walk.step_due = _parse(p.get("step_due_at"))
        elif action in (A.HAND_OVER, A.SEND_BACK):
            if e.from_step is not None and p.get("from_unit"):
                walk.unit_of_step[e.from_step] = str(p["from_unit"])
            if e.to_step is not None and p.get("to_unit"):
                walk.unit_of_step[e.to_step] = str(p["to_unit"])
            judged = rules.compare(e.at, walk.step_due) if walk.step_due else None
            note = _("Handed over") if action == A.HAND_OVER else _("Sent back to an earlier step")
            add(step_text(e.from_step, None, e.actor_name), step_text(e.to_step, None, holder(p)), e.at,
                _join_note(note, reason), walk.step_due, judged)
            walk.step_due = _parse(p.get("step_due_at"))
        elif action == A.ASSIGN:
            add(step_text(e.from_step, None, e.actor_name), _join(holder(p)), e.at, _join_note(_("Assigned"), reason))
        elif action in (A.REQUEST_SUPPLEMENT, A.REQUEST_PAYMENT):
            note = _("Supplement requested") if action == A.REQUEST_SUPPLEMENT else _(
                "Payment of financial obligations requested")
            add(step_text(e.from_step, None, e.actor_name), applicant, e.at, _join_note(note, reason),
                walk.step_due if e.from_step is not None else None)
        elif action in (A.SUPPLEMENT, A.RECORD_PAYMENT):
            paused = int(p.get("paused_working_seconds") or 0)
            walk.step_due = shift(walk.step_due, timedelta(seconds=paused), calendar)
            note = _("Dossier supplemented") if action == A.SUPPLEMENT else _("Financial obligations paid")
            add(applicant, step_text(e.to_step, None, None if e.to_step is not None else e.actor_name), e.at,
                _join_note(note, reason))
        elif action == A.RECORD_RESULT and e.from_step is not None:
            judged = rules.compare(e.at, walk.step_due) if walk.step_due else None
            kind = _("electronic") if p.get("electronic") else _("paper")
            add(step_text(e.from_step, None, e.actor_name), desk, e.at,
                _join_note(_("Result recorded (%(kind)s)") % {"kind": kind}, reason), walk.step_due, judged)
            walk.step_due = None
        elif action == A.RETURN_RESULT:
            channel = p.get("channel")
            details = [str(text.RETURN_CHANNEL_LABELS[rules.ReturnChannel(channel)])] if channel else []
            if p.get("tracking_number"):
                details.append(_("tracking number %(n)s") % {"n": p["tracking_number"]})
            if p.get("receiver_name"):
                details.append(_("received by %(name)s") % {"name": p["receiver_name"]})
            note = _("Result returned") + (f" ({'; '.join(details)})" if details else "")
            add(_join(desk, e.actor_name), applicant, e.at, note, state.original_due_at,
                rules.timeliness_of(state, now))
        elif action in (A.REFUSE, A.WITHDRAW, A.STOP):
            note = {A.REFUSE: _("Refused"), A.WITHDRAW: _("Withdrawn by the applicant"),
                    A.STOP: _("Handling stopped")}[rules.DossierAction(action)]
            add(step_text(e.from_step, None, e.actor_name), applicant, e.at, _join_note(note, reason),
                walk.step_due if e.from_step is not None else None)
        elif action == A.APOLOGISE:
            note = _("Apology; new appointment %(due)s") % {"due": text.short(_parse(p.get("promised_due_at")))}
            add(step_text(e.from_step, None, e.actor_name), applicant, e.at, _join_note(note, reason))
    current = state.step
    if current is not None:
        judged = rules.step_timeliness(current, now, paused_at=state.paused_at)
        person = people.get(current.holder or "", "")
        rows.append(SheetRow(len(rows) + 1, step_text(current.index, current.unit_ref, person), "", "",
                             text.short(current.due_at), text.timeliness_label(judged),
                             judged.value if judged else "", _("In progress")))
    return rows


def _join(*parts: str | None) -> str:
    """The lines of a cell (step, unit, officer): the template keeps the line breaks."""
    return "\n".join(p for p in parts if p)


def _join_note(*parts: str | None) -> str:
    return ": ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------------------


def form_context(dossier: Dossier, number: str, *, seq: int | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """The template context of form `number` ("01".."06") for `dossier`; KeyError for an unknown number."""
    if number == "01":
        return receipt_context(dossier)
    if number == "02":
        return supplement_context(dossier, seq)
    if number == "03":
        return refusal_context(dossier, seq)
    if number == "04":
        return apology_context(dossier, seq)
    if number == "05":
        return stop_context(dossier, seq)
    if number == "06":
        return control_sheet_context(dossier, now)
    raise KeyError(number)
