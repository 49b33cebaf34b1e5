"""Counter reception (tiếp nhận tại quầy) and the review of online dossiers. Owner: reception work.

Only officers with the reception role at a one-stop desk (`Action.DOSSIER_RECEIVE`) reach these pages;
anyone else gets 403, whether they open a page or post an action directly. Reads go through
`motcua.dossiers.counter` (unit-scoped in SQL) and writes through `motcua.dossiers.services`
(`counter.take_in` composes them for the counter); no business rule lives here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.domain.permissions import Action
from motcua.core.permissions import can, has_any
from motcua.dossiers import counter
from motcua.dossiers import domain as rules
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.files import DOCX, XLSX, open_stored
from motcua.dossiers.idempotency import IdempotencyRace
from motcua.dossiers.models import ApplicantKind, Channel, DossierComponent, Status
from motcua.dossiers.services import (
    ActionParams,
    ApplicantData,
    ComponentData,
    DossierError,
    allowed_actions_for,
    perform,
)

PROCEDURES_PER_PAGE = 10
DOSSIERS_PER_PAGE = 25
MAX_QUERY_LENGTH = 100
MAX_TEXT = 2000
MAX_QUANTITY = 100
MAX_PAGES = 10_000
PHONE_CHARS = str.maketrans("", "", " .-()")
ACCEPTED_SCANS = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,application/pdf,image/jpeg,image/png"


def _partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _require_receiver(request: HttpRequest) -> None:
    if not has_any(request.user, Action.DOSSIER_RECEIVE):
        raise PermissionDenied(_("Only reception officers of a one-stop desk can use this page."))


def _desk(request: HttpRequest, code: str | None) -> Any:
    """The desk the officer works at now (chosen or the first), or 403."""
    _require_receiver(request)
    desk = counter.desk_for(request.user, (code or "").strip()[:20] or None)
    if desk is None or not can(request.user, Action.DOSSIER_RECEIVE, desk):
        raise PermissionDenied(_("You do not receive dossiers at this one-stop desk."))
    return desk


# ---------------------------------------------------------------------------------------------------------
# The intake form


def _phone(value: str) -> str:
    digits = value.translate(PHONE_CHARS)
    if not digits:
        return ""
    body = digits[1:] if digits.startswith("+") else digits
    domestic = digits.startswith("0") and len(digits) in (10, 11)
    international = digits.startswith("+84") and len(body) in (11, 12)
    if not (body.isascii() and body.isdigit()) or not (domestic or international):
        raise ValidationError(_("Enter a Vietnamese phone number: 10 digits starting with 0 (e.g. 0912 345 678), "
                                "or +84 followed by the number."))
    return digits


class IntakeForm(forms.Form):
    """The applicant, the checklist of the procedure's documents, the fee quantities and the decision."""

    kind = forms.TypedChoiceField(label=gettext_lazy("Applicant is"), choices=ApplicantKind.choices, coerce=int,
                                  initial=ApplicantKind.CITIZEN)
    id_number = forms.CharField(label=gettext_lazy("ID number (CCCD)"), max_length=12, required=False,
                                help_text=gettext_lazy("12 digits. A returning applicant's details are filled in."))
    name = forms.CharField(label=gettext_lazy("Full name (or organisation name)"), max_length=255,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}),
                           error_messages={"required": gettext_lazy("Enter the applicant's full name.")})
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254, required=False,
                             help_text=gettext_lazy("The applicant is told about the dossier by e-mail."),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}),
                             error_messages={"invalid": gettext_lazy(
                                 "Enter a valid e-mail address, like ten@example.com, or leave it empty.")})
    address = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    summary = forms.CharField(label=gettext_lazy("Summary of the request (optional)"), max_length=500,
                              required=False)
    outcome = forms.ChoiceField(choices=[(o.value, o.value) for o in counter.Outcome], required=False)
    missing_note = forms.CharField(label=gettext_lazy("What the applicant must add or correct"),
                                   max_length=MAX_TEXT, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3, "form": "intake-form"}))
    refusal_reason = forms.CharField(label=gettext_lazy("Reason for refusal (with its legal basis)"),
                                     max_length=MAX_TEXT, required=False,
                                     widget=forms.Textarea(attrs={"rows": 3, "form": "intake-form"}))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, procedure: Any, counters: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        self.counters = {str(c.number): c for c in counters}
        if counters:
            # The desk's counter the officer works at: recorded with the receipt, read by the ledger (Mẫu 07).
            self.fields["counter"] = forms.ChoiceField(
                label=gettext_lazy("Counter"), choices=[("", _("— choose your counter —")),
                                                        *[(str(c.number), counter_label(c)) for c in counters]],
                widget=forms.Select(attrs={"form": "intake-form", "class": "counter-select"}),
                error_messages={"required": _("Choose the counter you work at (top of the page)."),
                                "invalid_choice": _("Choose one of this desk's counters from the list.")})
        self.documents = counter.checklist_of(procedure)
        self.fees = counter.fee_inputs(procedure)
        for doc in self.documents:
            p = f"doc_{doc.pk}_"
            self.fields[p + "received"] = forms.BooleanField(
                label=gettext_lazy("Handed in"), required=False,
                widget=forms.CheckboxInput(attrs={"data-preview": "", "class": "received-box"}))
            self.fields[p + "form"] = forms.ChoiceField(
                label=gettext_lazy("Form"), choices=DossierComponent.Form.choices,
                initial=DossierComponent.Form.ORIGINAL if doc.originals else DossierComponent.Form.COPY,
                widget=forms.Select(attrs={"aria-label": f"{_('Form')}: {doc.name}"}))
            self.fields[p + "quantity"] = forms.IntegerField(
                label=gettext_lazy("Quantity"), min_value=1, max_value=MAX_QUANTITY,
                initial=max(1, doc.originals + doc.copies),
                widget=forms.NumberInput(attrs={"aria-label": f"{_('Quantity')}: {doc.name}", "class": "input-qty"}))
            self.fields[p + "scan"] = forms.FileField(
                label=gettext_lazy("Scan"), required=False,
                widget=forms.FileInput(attrs={
                    "aria-label": f"{_('Scan')}: {doc.name}", "accept": ACCEPTED_SCANS,
                    "data-ticks": f"id_{p}received"}))
        for fee in self.fees:
            p = f"fee_{fee.id}_"
            for key, label, needed, top in (("pages", gettext_lazy("Pages per copy"), fee.needs_pages, MAX_PAGES),
                                            ("copies", gettext_lazy("Copies"), fee.needs_copies, MAX_QUANTITY),
                                            ("cases", gettext_lazy("Cases"), fee.needs_cases, MAX_QUANTITY)):
                if needed:
                    self.fields[p + key] = forms.IntegerField(
                        label=label, min_value=1, max_value=top, initial=1, required=False,
                        widget=forms.NumberInput(attrs={"data-preview": "", "class": "input-qty fee-input"}))

    # -- rows for the template --

    def checklist_rows(self) -> list[dict[str, Any]]:
        return [{"doc": doc, **{k: self[f"doc_{doc.pk}_{k}"] for k in ("received", "form", "quantity", "scan")}}
                for doc in self.documents]

    def fee_rows(self) -> list[dict[str, Any]]:
        return [{"fee": fee, "fields": [self[f"fee_{fee.id}_{k}"] for k in ("pages", "copies", "cases")
                                        if f"fee_{fee.id}_{k}" in self.fields]} for fee in self.fees]

    # -- validation --

    def clean_id_number(self) -> str:
        value = "".join(self.cleaned_data.get("id_number", "").split())
        if value and not counter.is_cccd(value):
            raise ValidationError(_("An ID number (CCCD) has exactly 12 digits; check the number on the card."))
        return value

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data.get("name", "").split())
        if not value:
            raise ValidationError(_("Enter the applicant's full name."))
        return value

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["outcome"] = data.get("outcome") or counter.Outcome.RECEIVE.value  # Enter: the first button
        if data.get("kind") == ApplicantKind.CITIZEN and not data.get("id_number") and "id_number" not in self.errors:
            self.add_error("id_number", _("Enter the citizen's 12-digit ID number (CCCD)."))
        for doc in self.documents:
            scan = data.get(f"doc_{doc.pk}_scan")
            if scan:
                problem = counter.scan_problem(scan)
                if problem:
                    self.add_error(f"doc_{doc.pk}_scan", problem)
        outcome = data.get("outcome")
        missing = self.missing_documents()
        if outcome == counter.Outcome.RECEIVE and missing:
            mandatory = [doc for doc in missing if doc.mandatory]
            for doc in mandatory:
                self.add_error(f"doc_{doc.pk}_received", _("Mandatory: tick it when received."))
            if mandatory:
                raise ValidationError(_(
                    "%(count)s mandatory document(s) not received. Tick them when received, or open "
                    "“Incomplete: request a supplement” to list what is missing.") % {"count": len(mandatory)})
        if outcome == counter.Outcome.SUPPLEMENT and not missing and not data.get("missing_note", "").strip():
            self.add_error("missing_note", _("Untick the missing documents or say what must be added or corrected."))
        if outcome == counter.Outcome.REFUSE and not data.get("refusal_reason", "").strip():
            self.add_error("refusal_reason", _("Give the reason for refusing the dossier, with its legal basis."))
        return data

    # -- what the services get --

    def received(self, doc: Any) -> bool:
        data = self.cleaned_data
        return bool(data.get(f"doc_{doc.pk}_received") or data.get(f"doc_{doc.pk}_scan"))

    def missing_documents(self) -> list[Any]:
        return [doc for doc in self.documents if not self.received(doc)]

    def applicant(self) -> ApplicantData:
        d = self.cleaned_data
        return ApplicantData(name=d["name"], kind=d["kind"], id_number=d["id_number"], phone=d["phone"],
                             email=d["email"], address=" ".join(d["address"].split()))

    def components(self) -> list[ComponentData]:
        d = self.cleaned_data
        rows = []
        for doc in self.documents:
            if not self.received(doc):
                continue
            scan = d.get(f"doc_{doc.pk}_scan")
            rows.append(ComponentData(name=doc.name, required_document_id=doc.pk, form=d[f"doc_{doc.pk}_form"],
                                      quantity=d[f"doc_{doc.pk}_quantity"], files=[scan] if scan else []))
        return rows

    def chosen_counter(self) -> Any:
        """The counter chosen on the form (None when the desk has no counters)."""
        return self.counters.get(str(self.cleaned_data.get("counter") or ""))

    def quantities(self) -> dict[int, counter.Quantities]:
        d = self.cleaned_data
        return {fee.id: counter.Quantities(pages=d.get(f"fee_{fee.id}_pages") or 1,
                                           copies=d.get(f"fee_{fee.id}_copies") or 1,
                                           cases=d.get(f"fee_{fee.id}_cases") or 1) for fee in self.fees}

    def reason(self) -> str:
        d = self.cleaned_data
        if d["outcome"] == counter.Outcome.REFUSE:
            return d["refusal_reason"].strip()
        return supplement_reason([doc.name for doc in self.missing_documents()], d.get("missing_note", ""))


def counter_label(desk_counter: Any) -> str:
    """'2 · Quầy Tư pháp' (number and name), or 'Quầy 2' when the counter has no name."""
    return f"{desk_counter.number} · {desk_counter.name}" if desk_counter.name else str(desk_counter)


COUNTER_SESSION_KEY = "reception_counters"  # {desk code: counter number}: the officer's counter per desk


def remembered_counter(request: HttpRequest, desk: Any) -> Any:
    """The open counter of `desk` the officer last worked at (from the session), or None."""
    number = (request.session.get(COUNTER_SESSION_KEY) or {}).get(desk.code)
    return counter.counter_of_desk(desk, number) if number else None


def remember_counter(request: HttpRequest, desk: Any, desk_counter: Any) -> None:
    chosen = dict(request.session.get(COUNTER_SESSION_KEY) or {})
    if chosen.get(desk.code) != desk_counter.number:
        chosen[desk.code] = desk_counter.number
        request.session[COUNTER_SESSION_KEY] = chosen


def supplement_reason(missing: list[str], note: str) -> str:
    """The text of a supplement request: the numbered missing documents, then the officer's note."""
    parts = []
    if missing:
        listed = "; ".join(f"{i}. {name}" for i, name in enumerate(missing, start=1))
        parts.append(_("Documents to add: %(list)s.") % {"list": listed})
    if note.strip():
        parts.append(note.strip())
    return " ".join(parts)


SERVICE_FIELDS = {"applicant.name": "name", "applicant.id_number": "id_number", "applicant.phone": "phone",
                  "applicant_email": "email", "applicant.email": "email", "applicant.address": "address",
                  "applicant_address": "address", "applicant_name": "name", "summary": "summary",
                  "reason": "missing_note"}


def _add_service_errors(form: IntakeForm, err: ValidationError) -> None:
    if not hasattr(err, "error_dict"):
        form.add_error(None, err.messages)
        return
    for key, errors in err.message_dict.items():
        target = SERVICE_FIELDS.get(key)
        if target == "missing_note" and form.cleaned_data.get("outcome") == counter.Outcome.REFUSE:
            target = "refusal_reason"
        form.add_error(target if target in form.fields else None, errors)


def _idempotency_key(token: str) -> str:
    return f"counter:{token}"


@dataclass
class Picker:
    query: str
    page: Any


def _picker(desk: Any, request: HttpRequest) -> Picker:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page = Paginator(counter.receivable_procedures(desk, query), PROCEDURES_PER_PAGE).get_page(request.GET.get("page"))
    return Picker(query, page)


@login_required
@require_http_methods(["GET", "POST"])
def reception(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    desk = _desk(request, source.get("desk"))
    context: dict[str, Any] = {"desk": desk, "desks": list(counter.reception_desks(request.user))}
    code = source.get("procedure", "").strip()[:20]
    procedure = counter.procedure_for_desk(desk, code) if code else None
    if procedure is None:
        if request.method == "POST":
            raise Http404(_("This desk does not receive that procedure."))
        context["picker"] = _picker(desk, request)
        context["unknown_procedure"] = bool(code)
        return render(request, "backoffice/reception/reception.html", context)

    counters = counter.desk_counters(desk)
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, procedure=procedure, counters=counters)
        token = request.POST.get("token", "")[:64]
        earlier = counter.earlier_intake(request.user, _idempotency_key(token)) if token else None
        if earlier is not None:
            return redirect("backoffice:reception_done", code=earlier.code)
        if form.is_valid():
            dossier = _take_in(request, form, desk, procedure)
            if dossier is not None:
                if form.chosen_counter() is not None:
                    remember_counter(request, desk, form.chosen_counter())
                return redirect("backoffice:reception_done", code=dossier.code)
        status = 422
    else:
        initial: dict[str, Any] = {"token": uuid.uuid4().hex, "outcome": "receive"}
        known = remembered_counter(request, desk) or (counters[0] if len(counters) == 1 else None)
        if known is not None:
            initial["counter"] = str(known.number)
        form = IntakeForm(procedure=procedure, counters=counters, initial=initial)
        status = 200
    now = timezone.now()
    context.update({
        "procedure": procedure, "form": form, "limit": counter.limit_label(procedure.effective_limit),
        "preview": _preview_context(procedure, desk, form.quantities() if form.is_bound else {}, None, now),
    })
    return render(request, "backoffice/reception/reception.html", context, status=status)


def _take_in(request: HttpRequest, form: IntakeForm, desk: Any, procedure: Any) -> Any:
    outcome = counter.Outcome(form.cleaned_data["outcome"])
    fee = counter.preview_fee(procedure, form.quantities())
    key = _idempotency_key(form.cleaned_data["token"]) if form.cleaned_data["token"] else ""
    try:
        return counter.take_in(
            actor=request.user, procedure=procedure, desk=desk, applicant=form.applicant(),
            components=form.components(), outcome=outcome, reason=form.reason(), fee_total=fee.total,
            summary=" ".join(form.cleaned_data["summary"].split()), idempotency_key=key,
            counter=form.chosen_counter(),
        )
    except IdempotencyRace:  # the same form sent twice at once: the first one created the dossier
        return counter.earlier_intake(request.user, key)
    except ValidationError as err:
        _add_service_errors(form, err)
    except DossierError as err:
        form.add_error(None, err.detail)
    return None


@login_required
@require_GET
def procedure_search(request: HttpRequest) -> HttpResponse:
    """The procedure picker's results (htmx swaps them in as the officer types)."""
    desk = _desk(request, request.GET.get("desk"))
    context = {"desk": desk, "picker": _picker(desk, request)}
    response = render(request, "backoffice/reception/_procedure_results.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def applicant_lookup(request: HttpRequest) -> HttpResponse:
    """The applicant fields, filled from the latest earlier dossier with this ID number (POST: no ID in URLs)."""
    desk = _desk(request, request.POST.get("desk"))
    id_number = "".join(request.POST.get("id_number", "").split())[:12]
    found = counter.applicant_by_id_number(request.user, id_number)
    fields = ("kind", "id_number", "name", "phone", "email", "address")
    values = {f: request.POST.get(f, "")[:500] for f in fields}
    if found is not None:
        prior = {"kind": str(found.kind), "name": found.name, "phone": found.phone, "email": found.email,
                 "address": found.address}
        values.update({k: v for k, v in prior.items() if v and (k == "kind" or not values.get(k, "").strip())})
    values["id_number"] = id_number
    form = _ApplicantOnly(initial=values)
    lookup = "found" if found else ("none" if counter.is_cccd(id_number) else "")
    return render(request, "backoffice/reception/_applicant.html", {"form": form, "lookup": lookup, "desk": desk})


class _ApplicantOnly(forms.Form):
    """The applicant block alone, for the lookup partial (same names, labels and widgets)."""

    kind = IntakeForm.base_fields["kind"]
    id_number = IntakeForm.base_fields["id_number"]
    name = IntakeForm.base_fields["name"]
    phone = IntakeForm.base_fields["phone"]
    email = IntakeForm.base_fields["email"]
    address = IntakeForm.base_fields["address"]


def vnd(amount: int) -> str:
    """Whole đồng grouped the Vietnamese way: 1.234.000."""
    return f"{amount:,}".replace(",", ".")


def _preview_context(procedure: Any, desk: Any, quantities: dict[int, counter.Quantities],
                     checklist: dict[str, Any] | None, now: Any) -> dict[str, Any]:
    fee = counter.preview_fee(procedure, quantities)
    return {"fee_lines": [{"name": line.name, "amount": vnd(line.amount)} for line in fee.lines],
            "fee_total": vnd(fee.total), "due_at": counter.preview_appointment(procedure, desk, now), "now": now,
            "checklist": checklist}


@login_required
@require_POST
def intake_preview(request: HttpRequest) -> HttpResponse:
    """Fee and appointment for what is on the form now (htmx, as the checklist and quantities change)."""
    desk = _desk(request, request.POST.get("desk"))
    procedure = counter.procedure_for_desk(desk, request.POST.get("procedure", "").strip()[:20])
    if procedure is None:
        raise Http404(_("This desk does not receive that procedure."))
    quantities: dict[int, counter.Quantities] = {}
    problems: list[str] = []
    for fee in counter.fee_inputs(procedure):
        values = {}
        for key, needed, top in (("pages", fee.needs_pages, MAX_PAGES), ("copies", fee.needs_copies, MAX_QUANTITY),
                                 ("cases", fee.needs_cases, MAX_QUANTITY)):
            raw = (request.POST.get(f"fee_{fee.id}_{key}", "").strip() or "1") if needed else "1"
            if not raw.isdigit() or not 1 <= int(raw) <= top:
                problems.append(fee.name)
                raw = "1"
            values[key] = int(raw)
        quantities[fee.id] = counter.Quantities(**values)
    documents = counter.checklist_of(procedure)
    ticked = {doc.pk for doc in documents if request.POST.get(f"doc_{doc.pk}_received")}
    checklist = {"total": len(documents), "received": len(ticked),
                 "missing_mandatory": [doc.name for doc in documents if doc.mandatory and doc.pk not in ticked]}
    context = _preview_context(procedure, desk, quantities, checklist, timezone.now())
    context["fee_problems"] = problems
    return render(request, "backoffice/reception/_preview.html", context)


@login_required
@require_GET
def intake_done(request: HttpRequest, code: str) -> HttpResponse:
    """After saving: the code, the form to print for what happened, and the next dossier."""
    _require_receiver(request)
    dossier = counter.dossier_for_desk(request.user, code)
    if dossier is None:
        raise Http404(_("Not found, or you are not allowed to see it."))
    form_code = {Status.AWAITING_SUPPLEMENT: "02", Status.NOT_RECEIVED: "03"}.get(dossier.status, "01")
    if dossier.status == Status.SUBMITTED:
        form_code = ""
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = ""
    action = {"02": "request_supplement", "03": "refuse"}.get(form_code)
    reason = counter.last_reason(dossier, action) if action else ""
    return render(request, "backoffice/reception/done.html", {
        "dossier": dossier, "form_code": form_code, "back": back, "reason": reason, "fee_total": vnd(dossier.fee_total),
        "components": list(dossier_selectors.components_of(dossier)),
        "counter": counter.intake_counter(dossier),
    })


# ---------------------------------------------------------------------------------------------------------
# Online dossiers to review


QUEUE_LABELS = {counter.Queue.SUBMITTED: gettext_lazy("To review"),
                counter.Queue.SUPPLEMENT: gettext_lazy("Awaiting supplement")}
CHANNEL_FILTERS: dict[str, int | None] = {"online": int(rules.Channel.ONLINE), "all": None}


@login_required
@require_GET
def online_review(request: HttpRequest) -> HttpResponse:
    _require_receiver(request)
    try:
        queue = counter.Queue(request.GET.get("queue", counter.Queue.SUBMITTED.value))
    except ValueError:
        queue = counter.Queue.SUBMITTED
    channel_key = request.GET.get("channel", "all")
    if channel_key not in CHANNEL_FILTERS:
        channel_key = "all"
    unit_ids = counter.receiving_unit_ids(request.user)
    counts = counter.queue_counts(request.user, unit_ids=unit_ids)
    channel = CHANNEL_FILTERS[channel_key]
    paginator = Paginator(counter.review_queue(request.user, queue, channel, unit_ids=unit_ids), DOSSIERS_PER_PAGE)
    if channel is None:
        paginator.count = counts[queue.value]  # the tab's count is the list's: no recount
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    waiting = [(d, waited(d.submitted_at, now)) for d in page.object_list]
    tabs = [{"key": q.value, "label": QUEUE_LABELS[q], "count": counts[q.value], "current": q is queue}
            for q in counter.Queue]
    return render(request, "backoffice/reception/review_list.html", {
        "page": page, "rows": waiting, "queue": queue.value, "tabs": tabs, "channel": channel_key,
    })


def waited(since: Any, now: Any) -> str:
    """How long a dossier has been waiting: '2 d 3 h', '1 h 30 min', '5 min' (translated)."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)s min") % {"minutes": mins}


class ReviewForm(forms.Form):
    """Parameters of a review decision; which ones count depends on the action."""

    missing = forms.MultipleChoiceField(label=gettext_lazy("Missing or incorrect documents"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("What the applicant must add or correct"), max_length=MAX_TEXT,
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=gettext_lazy("Reason for refusal (with its legal basis)"), max_length=MAX_TEXT,
                             required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, documents: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["missing"].choices = [(name, name) for name in documents]


REVIEW_ACTIONS = ("accept", "request_supplement", "refuse", "supplement")


def _review_documents(dossier: Any) -> list[str]:
    """Names to tick as missing: the procedure's required documents, then any other component of the dossier."""
    names = [doc.name for doc in counter.required_documents(dossier.procedure_id)]
    names += [c.name for c in dossier_selectors.components_of(dossier) if c.name not in names]
    return names


def _review_context(request: HttpRequest, dossier: Any, form: ReviewForm | None = None) -> dict[str, Any]:
    allowed = set(allowed_actions_for(request.user, dossier))
    accept_action = "accept" if dossier.channel == Channel.ONLINE else "receive"
    return {
        "dossier": dossier, "components": list(dossier_selectors.components_of(dossier)),
        "form": form or ReviewForm(documents=_review_documents(dossier)),
        "can_accept": accept_action in allowed, "can_request": "request_supplement" in allowed,
        "can_refuse": "refuse" in allowed, "can_supplement": "supplement" in allowed,
        "supplement_reason": counter.last_reason(dossier, "request_supplement")
        if dossier.status == Status.AWAITING_SUPPLEMENT else "",
        "due_preview": counter.preview_appointment(dossier.procedure, dossier.receiving_unit),
    }


def _reviewable(request: HttpRequest, code: str) -> Any:
    _require_receiver(request)
    dossier = counter.dossier_for_desk(request.user, code)
    if dossier is None:
        raise Http404(_("Not found, or you are not allowed to see it."))
    if not can(request.user, Action.DOSSIER_RECEIVE, dossier.receiving_unit):
        raise PermissionDenied(_("You do not receive dossiers at this one-stop desk."))
    return dossier


@login_required
@require_GET
def review_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _reviewable(request, code)
    if dossier.received_at is not None or dossier.status not in (Status.SUBMITTED, Status.AWAITING_SUPPLEMENT):
        return redirect("backoffice:reception_done", code=dossier.code)
    return render(request, "backoffice/reception/review_detail.html", _review_context(request, dossier))


@login_required
@require_POST
def review_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Accept, request a supplement, refuse, or record the supplement brought in (always through `perform`)."""
    dossier = _reviewable(request, code)
    if action not in REVIEW_ACTIONS:
        raise Http404
    form = ReviewForm(request.POST, documents=_review_documents(dossier))
    params = ActionParams()
    name = action
    if action == "accept" and dossier.channel != Channel.ONLINE:
        name = "receive"  # a counter dossier back after a supplement at intake is received, not accepted
    # Received at the counter the officer works at (chosen on the counter screen), for the ledger per counter.
    desk_counter = remembered_counter(request, dossier.receiving_unit) if name == "receive" else None
    if form.is_valid():
        if action == "request_supplement":
            reason = supplement_reason(form.cleaned_data["missing"], form.cleaned_data["note"])
            if not reason:
                form.add_error("missing", _("Tick the missing documents or say what must be added or corrected."))
            params = ActionParams(reason=reason)
        elif action == "refuse":
            reason = form.cleaned_data["reason"].strip()
            if not reason:
                form.add_error("reason", _("Give the reason for refusing the dossier, with its legal basis."))
            params = ActionParams(reason=reason)
        elif desk_counter is not None:
            params = ActionParams(counter=desk_counter)
    if form.errors:
        context = _review_context(request, dossier, form)
        context["failed_action"] = action
        return render(request, "backoffice/reception/review_detail.html", context, status=422)
    if name not in allowed_actions_for(request.user, dossier):
        raise PermissionDenied(_("You may not do this on this dossier now."))
    try:
        perform(actor=request.user, code=dossier.code, action=name, params=params)
    except DossierError as err:
        if err.status in (403, 404):
            raise PermissionDenied(err.detail) from err
        context = _review_context(request, dossier, form)
        context["error"] = err.detail
        return render(request, "backoffice/reception/review_detail.html", context, status=409)
    if action == "supplement":
        return redirect("backoffice:online_review_detail", code=dossier.code)
    done = reverse("backoffice:reception_done", kwargs={"code": dossier.code})
    return HttpResponseRedirect(f"{done}?next={reverse('backoffice:online_review')}")


@login_required
@require_GET
def review_file(request: HttpRequest, code: str, sha256: str) -> FileResponse:
    """A component's file, shown inline in the page's viewer (PDF, images) or downloaded (office files)."""
    dossier = _reviewable(request, code)
    stored = dossier_selectors.file_of(dossier, sha256[:64])
    if stored is None:
        raise Http404(_("This dossier has no such file."))
    inline = stored.content_type in ("application/pdf", "image/jpeg", "image/png")
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", DOCX: "docx",
                 XLSX: "xlsx"}.get(stored.content_type, "bin")
    response = FileResponse(open_stored(stored), content_type=stored.content_type, as_attachment=not inline,
                            filename=f"{dossier.code}-{stored.sha256[:8]}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("reception/", reception, name="reception"),
    path("reception/procedures/", procedure_search, name="reception_procedures"),
    path("reception/applicant/", applicant_lookup, name="reception_applicant"),
    path("reception/preview/", intake_preview, name="reception_preview"),
    path("reception/done/<str:code>/", intake_done, name="reception_done"),
    path("online/", online_review, name="online_review"),
    path("online/<str:code>/", review_detail, name="online_review_detail"),
    path("online/<str:code>/files/<str:sha256>/", review_file, name="online_review_file"),
    path("online/<str:code>/<str:action>/", review_action, name="online_review_action"),
]
