"""The dossier page (applicant, components, timeline, steps, allowed actions) and its action forms.

Reads go through `motcua.dossiers.selectors` (scoped to the officer's units in SQL), writes through
`motcua.dossiers.services` only: the page shows exactly `allowed_actions_for(user, dossier)`, and a POST
of any other action is refused (403) before a form is even read. A refused action (`DossierError`) is
shown on the page in Vietnamese and changes nothing (the service runs in one transaction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from motcua.core.domain.permissions import Role
from motcua.dossiers import domain as rules
from motcua.dossiers import selectors
from motcua.dossiers.alerts import REASON_PLACEHOLDER, apology_draft
from motcua.dossiers.files import open_stored
from motcua.dossiers.printing import text
from motcua.dossiers.services import (
    NOTE_ACTION,
    RECEIVER_RELATIONSHIPS,
    ActionParams,
    DossierError,
    add_note,
    allowed_actions_for,
    can_add_note,
    load_state,
    perform,
    status_label,
)
from motcua.workcalendar.selectors import calendar_for_unit

if TYPE_CHECKING:
    from motcua.dossiers.models import Dossier, DossierEvent, StoredFile

MAX_TIMELINE_EVENTS = 500
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")
OFFICER_ROLES = (Role.RECEPTION_OFFICER.value, Role.SPECIALIST.value, Role.LEADER.value, Role.CLERK.value)

ACTION_LABELS: dict[str, Promise] = {
    "submit_online": gettext_lazy("Submitted online"),
    "receive": gettext_lazy("Receive the dossier"),
    "accept": gettext_lazy("Accept the online dossier"),
    "request_supplement": gettext_lazy("Request a supplement"),
    "supplement": gettext_lazy("Record the supplement"),
    "refuse": gettext_lazy("Refuse the dossier"),
    "assign": gettext_lazy("Assign an officer"),
    "hand_over": gettext_lazy("Hand over to the next step"),
    "send_back": gettext_lazy("Send back to an earlier step"),
    "request_payment": gettext_lazy("Request payment of financial obligations"),
    "record_payment": gettext_lazy("Record the payment"),
    "approve": gettext_lazy("Approve"),
    "record_result": gettext_lazy("Record the result"),
    "return_result": gettext_lazy("Return the result"),
    "withdraw": gettext_lazy("Withdraw the dossier"),
    "stop": gettext_lazy("Stop processing"),
    "apologise": gettext_lazy("Apologise and set a new date"),
    NOTE_ACTION: gettext_lazy("Note"),
}
TIMELINESS_LABELS: dict[str, Promise] = {
    "early": gettext_lazy("Early"),
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "in_time": gettext_lazy("In time"),
    "overdue": gettext_lazy("Overdue"),
}
ROLE_LABELS: dict[str, Promise] = {
    "reception_officer": gettext_lazy("Reception officer"),
    "specialist": gettext_lazy("Specialist"),
    "leader": gettext_lazy("Leader"),
    "clerk": gettext_lazy("Clerk"),
    "applicant": gettext_lazy("Applicant"),
    "system": gettext_lazy("System"),
}
RETURN_CHANNEL_LABELS: dict[str, Promise] = {
    "desk": gettext_lazy("At the desk"),
    "post": gettext_lazy("By post"),
    "electronic": gettext_lazy("Electronically"),
}
RELATIONSHIP_LABELS: dict[str, Promise] = {
    "self": gettext_lazy("The applicant in person"),
    "authorised": gettext_lazy("An authorised person"),
}
# Printed form offered right after an action (06, the process control sheet, is always offered).
FORM_AFTER_ACTION = {"receive": "01", "accept": "01", "request_supplement": "02", "refuse": "03",
                     "apologise": "04", "stop": "05"}
FORM_TITLES: dict[str, Promise] = {
    "01": gettext_lazy("Receipt and appointment slip (form 01)"),
    "02": gettext_lazy("Supplement request (form 02)"),
    "03": gettext_lazy("Refusal (form 03)"),
    "04": gettext_lazy("Apology and new date (form 04)"),
    "05": gettext_lazy("Stop notice (form 05)"),
    "06": gettext_lazy("Process control sheet (form 06)"),
}


def timeliness_label(value: str | None) -> str:
    return str(TIMELINESS_LABELS[value]) if value in TIMELINESS_LABELS else ""


def format_amount(amount: int) -> str:
    """1200000 → '1.200.000 đồng' (Vietnamese digit grouping)."""
    return _("%(amount)s đồng") % {"amount": f"{amount:,}".replace(",", ".")}


def mask_id(number: str) -> str:
    """'001203004567' → '••••••••4567': enough to check against the card, not to copy."""
    return "" if not number else "•" * max(len(number) - 4, 0) + number[-4:]


def parse_local_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if timezone.is_aware(moment) else None


# ---------------------------------------------------------------------------------------------------------
# Forms: one per action. `params()` turns the cleaned data into the service's `ActionParams`.


@dataclass
class PageData:
    """What the forms need to build their choices (no extra query for most of them)."""

    dossier: Dossier
    state: rules.DossierState
    steps: list[Any]  # StepExecution rows, with unit and holder
    components: list[Any]


class ActionForm(forms.Form):
    action: ClassVar[str] = ""
    note_label: ClassVar[Promise] = gettext_lazy("Note")
    note_help: ClassVar[Promise | str] = ""
    note_required: ClassVar[bool] = False
    note_missing: ClassVar[Promise] = gettext_lazy("Write the reason.")

    def __init__(self, *args: Any, page: PageData, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["note"] = forms.CharField(
            label=self.note_label, help_text=self.note_help, required=self.note_required, max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": self.note_missing})
        self.fields["note"].widget.attrs["maxlength"] = "2000"
        self.setup()

    def setup(self) -> None:
        """Add the action's own fields (subclasses)."""

    def reason(self) -> str:
        return str(self.cleaned_data.get("note", "")).strip()

    def params(self) -> ActionParams:
        return ActionParams(reason=self.reason())


class SimpleForm(ActionForm):
    """Actions without parameters of their own (approve, accept, receive, record payment, supplement)."""


class ReasonForm(ActionForm):
    note_label = gettext_lazy("Reason")
    note_required = True


class RefuseForm(ReasonForm):
    action = "refuse"
    note_label = gettext_lazy("Reason for refusal (with its legal basis)")


class WithdrawForm(ReasonForm):
    action = "withdraw"
    note_label = gettext_lazy("Reason (the applicant's written request)")


class StopForm(ReasonForm):
    action = "stop"
    note_label = gettext_lazy("Reason for stopping processing")


class RecordPaymentForm(ActionForm):
    action = "record_payment"
    note_label = gettext_lazy("Receipt or transaction number")


def _officer_choices(officers: Iterable[Any]) -> list[tuple[str, str]]:
    return [(str(o.pk), o.full_name or o.username) for o in officers]


class AssignForm(ActionForm):
    action = "assign"

    def setup(self) -> None:
        step = self.page.steps[self.page.state.current_step or 0]
        self.unit, self.role = step.unit, step.role
        choices = [("", _("— choose an officer —")), *_officer_choices(selectors.officers_for_step(step.unit,
                                                                                                    step.role))]
        self.fields["holder"] = forms.ChoiceField(
            label=_("Officer to handle the current step"), choices=choices,
            error_messages={"required": _("Choose the officer who will handle this step."),
                            "invalid_choice": _("Choose an officer from the list.")})
        self.order_fields(["holder", "note"])

    def params(self) -> ActionParams:
        holder = selectors.officers_for_step(self.unit, self.role)
        chosen = next(o for o in holder if str(o.pk) == self.cleaned_data["holder"])
        return ActionParams(holder=chosen, reason=self.reason())


class HandOverForm(ActionForm):
    """Next step, at its planned unit or another one (interconnected flow), optionally to a named officer."""

    action = "hand_over"

    def setup(self) -> None:
        current = self.page.state.current_step or 0
        self.next_step = self.page.state.steps[current + 1]
        self.planned_unit = self.page.steps[current + 1].unit
        others = [u for u in selectors.units_for_transfer() if u.pk != self.planned_unit.pk]
        self.fields["to_unit"] = forms.ChoiceField(
            label=_("Unit for the next step"),
            help_text=_("Next step: %(step)s. Choose another unit only for an interconnected procedure.")
            % {"step": self.next_step.name},
            choices=[(self.planned_unit.code, _("%(unit)s (as planned)") % {"unit": self.planned_unit.name}),
                     *[(u.code, f"{'— ' * u.depth}{u.name}") for u in others]],
            error_messages={"invalid_choice": _("Choose a unit from the list.")})
        self.fields["holder"] = forms.CharField(
            label=_("Officer"), required=False,
            widget=forms.Select(choices=[("", _("— anyone in the unit —")),
                                         *_officer_choices(selectors.officers_for_step(
                                             self.planned_unit, self.next_step.role.value))]))
        self.fields["to_unit"].widget.attrs.update({
            "hx-get": reverse("backoffice:dossier_officers", args=[self.page.dossier.code]),
            "hx-vals": f'{{"role": "{self.next_step.role.value}"}}',
            "hx-target": f"#id_{self.action}-holder", "hx-trigger": "change",
        })
        self.order_fields(["to_unit", "holder", "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("to_unit")
        unit = self.planned_unit if code in (None, self.planned_unit.code) else selectors.unit_for_transfer(code)
        if unit is None:
            self.add_error("to_unit", _("Choose a unit from the list."))
            return data
        data["unit"] = unit
        holder_id = str(data.get("holder") or "")
        data["officer"] = None
        if holder_id:
            officer = next((o for o in selectors.officers_for_step(unit, self.next_step.role.value)
                            if str(o.pk) == holder_id), None)
            if officer is None:
                self.add_error("holder", _("This officer does not work at the chosen unit in the role the step "
                                           "needs; choose again from the list."))
            data["officer"] = officer
        return data

    def params(self) -> ActionParams:
        unit = self.cleaned_data["unit"]
        return ActionParams(to_unit=None if unit.pk == self.planned_unit.pk else unit,
                            holder=self.cleaned_data["officer"], reason=self.reason())


class SendBackForm(ReasonForm):
    action = "send_back"
    note_label = gettext_lazy("Why is it sent back?")
    note_missing = gettext_lazy("Write why the dossier is sent back.")

    def setup(self) -> None:
        current = self.page.state.current_step or 0
        earlier = [(str(s.index), _("Step %(n)s: %(name)s") % {"n": s.index + 1, "name": s.name})
                   for s in self.page.state.steps[:current]]
        self.fields["to_step"] = forms.TypedChoiceField(
            label=_("Send back to"), coerce=int, choices=list(reversed(earlier)),
            error_messages={"required": _("Choose the step to send the dossier back to."),
                            "invalid_choice": _("Choose an earlier step from the list.")})
        self.order_fields(["to_step", "note"])

    def params(self) -> ActionParams:
        return ActionParams(to_step=self.cleaned_data["to_step"], reason=self.reason())


class RequestSupplementForm(ActionForm):
    action = "request_supplement"
    note_label = gettext_lazy("Guidance for the applicant")

    def setup(self) -> None:
        self.names = list(dict.fromkeys(c.name for c in self.page.components))
        self.fields["missing"] = forms.MultipleChoiceField(
            label=_("Components to supplement or correct"), required=False, widget=forms.CheckboxSelectMultiple,
            choices=[(n, n) for n in self.names],
            error_messages={"invalid_choice": _("Choose components from the list.")})
        # What to add or fix, per component (printed next to it on the supplement request, Mẫu 02).
        for i, name in enumerate(self.names):
            self.fields[f"why_{i}"] = forms.CharField(
                label=_("What to add or fix in “%(name)s”") % {"name": name}, required=False, max_length=500,
                widget=forms.TextInput(attrs={"maxlength": "500"}))
        self.fields["other"] = forms.CharField(
            label=_("Other documents or corrections (one per line)"), required=False, max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": "2000"}))
        self.order_fields(["missing", *(f"why_{i}" for i in range(len(self.names))), "other", "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ticked = set(data.get("missing", []))
        whys = {name: " ".join(str(data.get(f"why_{i}", "")).split()) for i, name in enumerate(self.names)}
        # A component with something to fix is to supplement, ticked or not.
        chosen = [(name, whys[name]) for name in self.names if name in ticked or whys[name]]
        others = [(line.strip(), "") for line in str(data.get("other", "")).splitlines() if line.strip()]
        data["items"] = tuple(chosen + others)
        if not data["items"] and not self.errors:
            self.add_error("missing", _("Tick the components to supplement, or write what else is needed."))
        return data

    def params(self) -> ActionParams:
        items = self.cleaned_data["items"]
        lines = [_("To supplement or correct:"), *(f"- {name}: {why}" if why else f"- {name}" for name, why in items)]
        if self.reason():
            lines.append(self.reason())
        return ActionParams(reason="\n".join(lines), missing=tuple(name for name, _why in items),
                            missing_reasons=tuple(why for _name, why in items))


class RequestPaymentForm(ReasonForm):
    action = "request_payment"
    note_label = gettext_lazy("Financial obligation (tax, fee, charge…)")

    def setup(self) -> None:
        self.fields["amount"] = forms.IntegerField(
            label=_("Amount to pay (đồng)"), min_value=1, max_value=10**13,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
            error_messages={"required": _("Enter the amount to pay, in đồng."),
                            "invalid": _("Enter the amount as a whole number of đồng, without dots."),
                            "min_value": _("The amount must be greater than zero.")})
        self.order_fields(["amount", "note"])

    def params(self) -> ActionParams:
        return ActionParams(amount=self.cleaned_data["amount"], reason=self.reason())


class RecordResultForm(ActionForm):
    action = "record_result"

    def setup(self) -> None:
        self.fields["electronic"] = forms.ChoiceField(
            label=_("Form of the result"), widget=forms.RadioSelect,
            choices=[("yes", _("Electronic document (upload it)")), ("no", _("Paper document"))],
            error_messages={"required": _("Say whether the result is an electronic or a paper document.")})
        self.fields["file"] = forms.FileField(
            label=_("Result document (PDF, JPEG, PNG, DOCX or XLSX)"), required=False,
            help_text=_("For a paper result you may upload its scanned copy."))
        self.order_fields(["electronic", "file", "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("electronic") == "yes" and not data.get("file"):
            self.add_error("file", _("Upload the electronic result document."))
        return data

    def params(self) -> ActionParams:
        return ActionParams(electronic=self.cleaned_data["electronic"] == "yes",
                            result_file=self.cleaned_data.get("file"), reason=self.reason())


ID_NUMBER_RE = re.compile(r"^(\d{9}|\d{12})$")


class ReceiverFields(forms.Form):
    """Who receives the result at the desk: name, ID number, relationship (also used by the return desk)."""

    def add_receiver_fields(self, required: bool) -> None:
        self.fields["receiver_name"] = forms.CharField(
            label=_("Receiver's full name"), required=required, max_length=150,
            error_messages={"required": _("Enter the full name of the person who receives the result.")})
        self.fields["receiver_id_number"] = forms.CharField(
            label=_("Receiver's ID number"), required=required, max_length=12,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            error_messages={"required": _("Enter the ID number of the person who receives the result.")})
        self.fields["receiver_relationship"] = forms.ChoiceField(
            label=_("The receiver is"), required=required, widget=forms.RadioSelect,
            choices=[(r, RELATIONSHIP_LABELS[r]) for r in RECEIVER_RELATIONSHIPS],
            error_messages={"required": _("Say whether the receiver is the applicant or an authorised person.")})

    def clean_receiver_id_number(self) -> str:
        value = str(self.cleaned_data.get("receiver_id_number", "")).strip()
        if value and not ID_NUMBER_RE.match(value):
            raise ValidationError(_("An ID number has 12 digits (or 9 for an old ID card)."))
        return value


class ReturnResultForm(ActionForm, ReceiverFields):
    action = "return_result"

    def setup(self) -> None:
        channels = ["desk", "post", *(["electronic"] if self.page.dossier.result_electronic else [])]
        self.fields["channel"] = forms.ChoiceField(
            label=_("How is the result returned?"), widget=forms.RadioSelect,
            choices=[(c, RETURN_CHANNEL_LABELS[c]) for c in channels],
            error_messages={"required": _("Choose how the result is returned.")})
        self.add_receiver_fields(required=False)
        self.fields["tracking_number"] = forms.CharField(
            label=_("Postal tracking number"), required=False, max_length=100)
        # Required for one channel only (checked in clean): say so instead of "optional".
        for name, hint in (("receiver_name", _("Needed when the result is handed over at the desk.")),
                           ("receiver_id_number", _("Needed when the result is handed over at the desk.")),
                           ("receiver_relationship", _("Needed when the result is handed over at the desk.")),
                           ("tracking_number", _("Needed when the result is sent by post."))):
            self.fields[name].help_text = hint
            self.fields[name].conditional = True
        self.order_fields(["channel", "receiver_name", "receiver_id_number", "receiver_relationship",
                           "tracking_number", "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel == "desk":
            for name, message in (
                ("receiver_name", _("Enter the full name of the person who receives the result.")),
                ("receiver_id_number", _("Enter the ID number of the person who receives the result.")),
                ("receiver_relationship", _("Say whether the receiver is the applicant or an authorised person.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        if channel == "post" and not str(data.get("tracking_number", "")).strip():
            self.add_error("tracking_number", _("Enter the postal tracking number of the parcel."))
        return data

    def params(self) -> ActionParams:
        d = self.cleaned_data
        desk = d["channel"] == "desk"
        return ActionParams(
            channel=d["channel"], reason=self.reason(),
            tracking_number=d.get("tracking_number", "") if d["channel"] == "post" else "",
            receiver_name=d.get("receiver_name", "") if desk else "",
            receiver_id_number=d.get("receiver_id_number", "") if desk else "",
            receiver_relationship=d.get("receiver_relationship", "") if desk else "")


class ApologiseForm(ReasonForm):
    action = "apologise"
    note_label = gettext_lazy("Reason for the delay")

    def setup(self) -> None:
        due = self.page.dossier.due_at
        current = timezone.localtime(due).strftime("%H:%M %d/%m/%Y") if due else ""
        self.fields["new_due_at"] = forms.DateTimeField(
            label=_("New appointment (date and time)"),
            help_text=_("It must be after the current appointment %(due)s.") % {"due": current},
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            error_messages={"required": _("Enter the new appointment date and time."),
                            "invalid": _("Enter the date and time as dd/mm/yyyy hh:mm.")})
        self.order_fields(["new_due_at", "note"])
        # The lateness scan's apology draft (motcua.dossiers.alerts), if any: its new date prefilled.
        draft = apology_draft(self.page.dossier)
        if draft is not None and draft.proposed_due_at is not None:
            self.initial["new_due_at"] = timezone.localtime(draft.proposed_due_at)
            self.fields["new_due_at"].help_text = _(
                "Proposed by the apology draft from the remaining steps' time; check it. It must be after the "
                "current appointment %(due)s.") % {"due": current}
            self.fields["note"].widget.attrs["placeholder"] = str(REASON_PLACEHOLDER)

    def clean_new_due_at(self) -> datetime:
        value: datetime = self.cleaned_data["new_due_at"]
        if not 2000 <= value.year <= 2999:
            raise ValidationError(_("Enter a date between the years 2000 and 2999."))
        return value if timezone.is_aware(value) else timezone.make_aware(value)

    def params(self) -> ActionParams:
        return ActionParams(new_due_at=self.cleaned_data["new_due_at"], reason=self.reason())


def _simple(name: str, label: Promise | None = None) -> type[ActionForm]:
    attrs: dict[str, Any] = {"action": name, "__module__": __name__}
    if label is not None:
        attrs["note_label"] = label
    return type(f"{name.title().replace('_', '')}Form", (SimpleForm,), attrs)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "receive": _simple("receive"),
    "accept": _simple("accept"),
    "request_supplement": RequestSupplementForm,
    "supplement": _simple("supplement", gettext_lazy("What was supplemented")),
    "refuse": RefuseForm,
    "assign": AssignForm,
    "hand_over": HandOverForm,
    "send_back": SendBackForm,
    "request_payment": RequestPaymentForm,
    "record_payment": RecordPaymentForm,
    "approve": _simple("approve", gettext_lazy("Comment")),
    "record_result": RecordResultForm,
    "return_result": ReturnResultForm,
    "withdraw": WithdrawForm,
    "stop": StopForm,
    "apologise": ApologiseForm,
}


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("New note"), max_length=2000,
        help_text=gettext_lazy("Notes are kept with the dossier for officers; the applicant does not see them."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": "2000"}),
        error_messages={"required": gettext_lazy("Write the note before saving it.")})


# ---------------------------------------------------------------------------------------------------------
# Page data


@dataclass
class Detail:
    label: str
    value: str
    url: str = ""


@dataclass
class TimelineEntry:
    seq: int
    at: datetime
    action: str
    label: str
    actor: str
    role: str
    from_status: str
    to_status: str
    from_step: str
    to_step: str
    details: list[Detail] = field(default_factory=list)


@dataclass
class StepRow:
    number: int
    name: str
    role: str
    unit: str
    holder: str
    started_at: datetime | None
    finished_at: datetime | None
    due_at: datetime | None
    planned_due_at: datetime | None
    timeliness: str
    timeliness_label: str
    current: bool


@dataclass
class ViewedFile:
    sha256: str
    content_type: str
    url: str
    title: str

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass
class ActionPanel:
    name: str
    label: str
    form: ActionForm
    error: str = ""
    open: bool = False


def _step_name(state: rules.DossierState, index: int | None) -> str:
    if index is None or not 0 <= index < len(state.steps):
        return ""
    return _("%(n)s. %(name)s") % {"n": index + 1, "name": state.steps[index].name}


def _file_url(code: str, sha256: str) -> str:
    return reverse("backoffice:dossier_file", args=[code, sha256])


def _details(event: DossierEvent, code: str, users: dict[str, str], units: dict[str, str]) -> list[Detail]:
    p = event.payload or {}
    out: list[Detail] = []

    def when(key: str) -> str:
        moment = parse_local_datetime(str(p.get(key) or ""))
        return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""

    if event.action == NOTE_ACTION:
        return [Detail(_("Note"), str(p.get("note", "")))]
    if p.get("reason"):
        out.append(Detail(_("Content"), str(p["reason"])))
    if event.action in ("hand_over", "send_back") and p.get("to_unit"):
        out.append(Detail(_("To unit"), units.get(str(p["to_unit"]), str(p["to_unit"]))))
    if p.get("holder") and event.action in ("hand_over", "send_back", "assign", "receive", "accept"):
        out.append(Detail(_("Officer"), users.get(str(p["holder"]), "—")))
    if event.action in ("hand_over", "send_back", "receive", "accept") and when("step_due_at"):
        out.append(Detail(_("Step due"), when("step_due_at")))
    if event.action in ("receive", "accept") and when("due_at"):
        out.append(Detail(_("Appointment"), when("due_at")))
    if event.action in ("receive", "accept", "submit_online") and p.get("counter"):
        out.append(Detail(_("Counter"), str(p["counter"])))
    if event.action == "apologise":
        out.append(Detail(_("Previous appointment"), when("due_at_before")))
        out.append(Detail(_("New appointment"), when("promised_due_at")))
    if event.action in ("supplement", "record_payment") and p.get("paused_working_seconds"):
        hours = int(p["paused_working_seconds"] or 0) / 3600
        out.append(Detail(_("Clock paused"), _("%(h)s working hours") % {"h": f"{hours:g}"}))
        if when("due_at"):
            out.append(Detail(_("Appointment"), when("due_at")))
    if p.get("amount"):
        out.append(Detail(_("Amount"), format_amount(int(p["amount"] or 0))))
    if event.action == "record_result":
        out.append(Detail(_("Result"), _("Electronic document") if p.get("electronic") else _("Paper document")))
        if p.get("result_file"):
            sha = str(p["result_file"])
            out.append(Detail(_("Result file"), _("View the result document"), f"?view={sha}#viewer"))
    if event.action == "return_result":
        out.append(Detail(_("Return channel"), str(RETURN_CHANNEL_LABELS.get(str(p.get("channel")), p.get("channel")))))
        if p.get("tracking_number"):
            out.append(Detail(_("Tracking number"), str(p["tracking_number"])))
        if p.get("receiver_name"):
            relation = RELATIONSHIP_LABELS.get(str(p.get("receiver_relationship")), "")
            who = str(p["receiver_name"]) + (f" ({relation})" if relation else "")
            out.append(Detail(_("Receiver"), who))
            if p.get("receiver_id_number"):
                out.append(Detail(_("ID number"), mask_id(str(p["receiver_id_number"]))))
    if p.get("forced_late"):
        out.append(Detail(_("Warning"), _("Second supplement request in processing: the dossier counts as late.")))
    return out


def _timeline(dossier: Dossier, state: rules.DossierState) -> tuple[list[TimelineEntry], list[TimelineEntry], bool]:
    events = list(selectors.events_of(dossier)[:MAX_TIMELINE_EVENTS + 1])
    truncated = len(events) > MAX_TIMELINE_EVENTS
    events = events[:MAX_TIMELINE_EVENTS]
    holder_ids = {str(e.payload.get("holder")) for e in events if (e.payload or {}).get("holder")}
    unit_codes = {str(e.payload.get("to_unit")) for e in events if (e.payload or {}).get("to_unit")}
    users, units = selectors.names_for(holder_ids, unit_codes)
    entries: list[TimelineEntry] = []
    notes: list[TimelineEntry] = []
    for e in events:
        role = str((e.payload or {}).get("actor_role", ""))
        label = str(ACTION_LABELS.get(e.action, e.action))
        if e.action == "submit_online":
            # A counter or postal dossier registered by the desk before its receipt (register_only) starts
            # with `submit_online` too: its channel tells them apart, and the officer did it, not the applicant.
            label = text.submission_label(e.payload, dossier.channel)
            if e.actor_id is not None and text.submission_channel(e.payload, dossier.channel) != rules.Channel.ONLINE:
                role = Role.RECEPTION_OFFICER.value
        entry = TimelineEntry(
            seq=e.seq, at=e.at, action=e.action, label=label,
            actor=e.actor_name or "—", role=str(ROLE_LABELS.get(role, "")),
            from_status=status_label(e.from_status) if e.from_status else "", to_status=status_label(e.to_status),
            from_step=_step_name(state, e.from_step), to_step=_step_name(state, e.to_step),
            details=_details(e, dossier.code, users, units),
        )
        (notes if e.action == NOTE_ACTION else entries).append(entry)
    return list(reversed(entries)), list(reversed(notes)), truncated


def _step_rows(state: rules.DossierState, rows: list[Any], now: datetime) -> list[StepRow]:
    by_index = {s.index: s for s in state.steps}
    out = []
    for row in rows:
        step = by_index.get(row.index)
        t = None if step is None else rules.step_timeliness(step, now, paused_at=state.paused_at)
        holder = row.holder
        out.append(StepRow(
            number=row.index + 1, name=row.name, role=str(ROLE_LABELS.get(row.role, row.role)), unit=row.unit.name,
            holder=(holder.full_name or holder.username) if holder else "", started_at=row.started_at,
            finished_at=row.finished_at, due_at=row.due_at, planned_due_at=step.planned_due_at if step else None,
            timeliness=t.value if t else "", timeliness_label=timeliness_label(t.value if t else None),
            current=row.index == state.current_step,
        ))
    return out


def _print_forms(dossier: Dossier, state: rules.DossierState, entries: list[TimelineEntry]) -> list[tuple[str, str]]:
    received = state.received_at is not None
    wanted = {
        "01": received,
        "02": any(e.action == "request_supplement" for e in entries),
        "03": dossier.status == 3,
        "04": dossier.apologised,
        "05": dossier.status == 8,
        "06": received,
    }
    return [(n, str(FORM_TITLES[n])) for n, offered in wanted.items() if offered]


def _viewed_file(request: HttpRequest, dossier: Dossier, components: list[Any]) -> ViewedFile | None:
    sha = request.GET.get("view", "")
    if not SHA256_RE.match(sha):
        return None
    for component in components:
        for f in component.files.all():
            if f.sha256 == sha:
                return ViewedFile(sha, f.content_type, _file_url(dossier.code, sha), component.name)
    stored = selectors.file_of(dossier, sha)
    if stored is None:
        return None
    return ViewedFile(sha, stored.content_type, _file_url(dossier.code, sha), _("Result document"))


def visible_dossier(request: HttpRequest, code: str) -> Dossier:
    dossier = selectors.dossier_by_code(request.user, code[:40])
    if dossier is None:
        # The same answer whether the dossier does not exist or lies outside the officer's units.
        raise Http404(_("Not found, or you are not allowed to see it."))
    return dossier


def render_page(request: HttpRequest, dossier: Dossier, *, bound: ActionForm | None = None, error: str = "",
                note_form: NoteForm | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    state = load_state(dossier)
    calendar = calendar_for_unit(dossier.receiving_unit)
    allowed = allowed_actions_for(request.user, dossier, now)
    steps = list(selectors.steps_of(dossier))
    components = list(selectors.components_of(dossier))
    page = PageData(dossier=dossier, state=state, steps=steps, components=components)
    panels = []
    for name in allowed:
        form_class = ACTION_FORMS.get(name)
        if form_class is None:
            continue
        is_bound = bound is not None and bound.action == name
        form = bound if is_bound and bound is not None else form_class(page=page)
        panels.append(ActionPanel(name, str(ACTION_LABELS[name]), form, error if is_bound else "", is_bound))
    timeliness = rules.timeliness_of(state, now)
    entries, notes, truncated = _timeline(dossier, state)
    done = request.GET.get("done", "")
    context = {
        "dossier": dossier,
        "state": state,
        "status_label": status_label(dossier.status),
        "timeliness": timeliness.value if timeliness else "",
        "timeliness_label": timeliness_label(timeliness.value if timeliness else None),
        "at_risk": rules.at_risk(state, now, calendar),
        "promise": timeliness_label(v.value if (v := rules.promise_timeliness(state, now)) else None),
        "current_step": _step_name(state, state.current_step),
        "components": components,
        "viewer": _viewed_file(request, dossier, components),
        "results": selectors.result_documents_of(dossier) if dossier.status in (9, 10) else [],
        "steps": _step_rows(state, steps, now),
        "timeline": entries,
        "timeline_truncated": truncated,
        "notes": notes,
        "note_form": note_form or NoteForm(),
        "may_add_note": can_add_note(request.user, dossier),
        "panels": panels,
        "error": error,
        "error_action": bound.action if bound is not None and error else "",
        "print_forms": _print_forms(dossier, state, entries),
        "done": done if done in ACTION_LABELS else "",
        "done_label": str(ACTION_LABELS.get(done, "")),
        "done_form": FORM_AFTER_ACTION.get(done, ""),
        "done_form_title": str(FORM_TITLES.get(FORM_AFTER_ACTION.get(done, ""), "")),
        "received": state.received_at is not None,
        "amount": format_amount(dossier.fee_total) if dossier.fee_total else "",
        "apology_draft": apology_draft(dossier),  # lateness alerts: shown with a Mẫu 04 preview
        "now": now,
    }
    return render(request, "backoffice/dossier/detail.html", context, status=status)


# ---------------------------------------------------------------------------------------------------------
# Views


@login_required
@require_GET
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render_page(request, visible_dossier(request, code))


def after_success(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Back to the dossier (its page says what was done and offers the forms to print), or to the worklist
    with a message when the officer can no longer see it (a hand-over to another unit moves it out of reach)."""
    if selectors.dossier_by_code(request.user, code) is None:
        messages.success(request, _("Done: “%(action)s” for dossier %(code)s.") % {
            "action": ACTION_LABELS.get(action, action), "code": code})
        return redirect("backoffice:worklist")
    return redirect(f"{reverse('backoffice:dossier_detail', args=[code])}?done={action}#done")


@login_required
@require_POST
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    dossier = visible_dossier(request, code)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404(_("Unknown action."))
    if action not in allowed_actions_for(request.user, dossier):
        return render_page(request, dossier, status=403, error=_(
            "You cannot “%(action)s” on this dossier now: it is not one of the actions open to you.")
            % {"action": ACTION_LABELS[action]})
    state = load_state(dossier)
    page = PageData(dossier=dossier, state=state, steps=list(selectors.steps_of(dossier)),
                    components=list(selectors.components_of(dossier)))
    form = form_class(request.POST, request.FILES, page=page)
    if not form.is_valid():
        return render_page(request, dossier, bound=form, status=422,
                           error=_("Some fields are not filled in correctly; see the messages below."))
    try:
        perform(actor=request.user, code=dossier.code, action=action, params=form.params())
    except DossierError as err:
        return render_page(request, visible_dossier(request, code), bound=form, error=err.detail,
                           status=err.status)
    return after_success(request, dossier.code, action)


@login_required
@require_POST
def dossier_note(request: HttpRequest, code: str) -> HttpResponse:
    dossier = visible_dossier(request, code)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render_page(request, dossier, note_form=form, status=422)
    try:
        add_note(actor=request.user, code=dossier.code, text=form.cleaned_data["text"])
    except ValidationError as exc:
        form.add_error("text", exc.messages[0] if exc.messages else _("The note is not valid."))
        return render_page(request, dossier, note_form=form, status=422)
    except DossierError as err:
        return render_page(request, dossier, error=err.detail, status=err.status)
    messages.success(request, _("The note was saved."))
    return redirect(f"{reverse('backoffice:dossier_detail', args=[dossier.code])}#notes")


@login_required
@require_GET
@xframe_options_sameorigin
def dossier_file(request: HttpRequest, code: str, sha256: str) -> FileResponse:
    """A component's or result's file, inline (for the in-page viewer) when it is a PDF or an image."""
    if not SHA256_RE.match(sha256):
        raise Http404(_("Not found, or you are not allowed to see it."))
    dossier = visible_dossier(request, code)
    stored: StoredFile | None = selectors.file_of(dossier, sha256)
    if stored is None:
        raise Http404(_("Not found, or you are not allowed to see it."))
    try:
        handle = open_stored(stored)
    except OSError as exc:
        raise Http404(_("Not found, or you are not allowed to see it.")) from exc
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        stored.content_type, "docx" if "word" in stored.content_type else "xlsx")
    inline = stored.content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=f"{dossier.code}-{sha256[:12]}.{extension}",
                            content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def dossier_officers(request: HttpRequest, code: str) -> HttpResponse:
    """htmx: the officer options for a unit chosen in the hand-over form."""
    visible_dossier(request, code)
    role = request.GET.get("role", "")
    unit_code = (request.GET.get("unit") or request.GET.get("hand_over-to_unit") or "")[:40]
    unit = selectors.unit_for_transfer(unit_code) if role in OFFICER_ROLES else None
    officers = selectors.officers_for_step(unit, role) if unit is not None else []
    return render(request, "backoffice/dossier/_officer_options.html",
                  {"officers": _officer_choices(officers), "empty_label": _("— anyone in the unit —")})


urlpatterns = [
    path("dossiers/<str:code>/", dossier_detail, name="dossier_detail"),
    path("dossiers/<str:code>/actions/<str:action>/", dossier_action, name="dossier_action"),
    path("dossiers/<str:code>/notes/", dossier_note, name="dossier_note"),
    path("dossiers/<str:code>/files/<str:sha256>/", dossier_file, name="dossier_file"),
    path("dossiers/<str:code>/officers/", dossier_officers, name="dossier_officers"),
]
