"""Official printed forms 01–07 (Circular 03/2025/TT-VPCP set) as PDF.

`print_form`: form 01..06 of one dossier, for officers who may see it (the dossier page's scope; 404
otherwise, and 404 with a clear message when the form does not apply to the dossier's history).
`print_ledger`: form 07 of a desk for a period, for units the officer sees; without (or with wrong)
parameters it answers the small HTML form that chooses them, saying what to fix.

The forms are official documents: always in Vietnamese, whatever the officer's interface language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core import selectors as core
from motcua.core.domain.permissions import Action
from motcua.dossiers import printing
from motcua.dossiers import selectors as dossiers

FORM_LANGUAGE = "vi"
_DIGITS = re.compile(r"^\d{1,9}$")
MAX_DESKS_LISTED = 300


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _unavailable(request: HttpRequest, heading: str, message: str, *, code: str | None = None,
                 status: int = 404) -> HttpResponse:
    return render(request, "dossiers/print/unavailable.html",
                  {"heading": heading, "message": message, "code": code}, status=status)


@login_required
@require_GET
def print_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    heading = _("Printing a form")
    spec = printing.FORMS.get(form)
    if spec is None:
        return _unavailable(request, heading, _("There is no form No. %(form)s: the forms of a dossier are 01 to 06.")
                            % {"form": form[:4]})
    dossier = dossiers.dossier_by_code(request.user, code)
    if dossier is None:
        return _unavailable(request, heading, _("Not found, or you are not allowed to see it."))
    raw_event = request.GET.get("event")
    if raw_event is not None and not _DIGITS.match(raw_event):
        return _unavailable(request, heading, _("The event number must be a whole number, e.g. 3."), code=code,
                            status=400)
    try:
        with translation.override(FORM_LANGUAGE):
            context = printing.form_context(dossier, form, seq=int(raw_event) if raw_event else None)
            content = printing.render_pdf(spec.template, context)
    except printing.FormNotApplicable as exc:
        return _unavailable(request, str(spec.title), str(exc.message), code=code)
    return _pdf(content, f"{dossier.code}-mau-{spec.number}-{spec.slug}.pdf")


# ---------------------------------------------------------------------------------------------------------
# 07 dossier ledger


@dataclass
class LedgerInput:
    unit: Any = None
    counter: Any = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)


def _date(raw: str) -> date | None:
    """ISO (what a date input sends) or day/month/year (what a person types)."""
    raw = raw.strip()
    try:
        if "/" in raw:
            day, month, year = (int(p) for p in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _read_ledger_query(request: HttpRequest) -> LedgerInput:
    """Validate unit, counter, from, to and page; every problem gets a message saying how to fix it."""
    q = request.GET
    got = LedgerInput()
    unit_code = q.get("unit", "").strip()
    if not unit_code:
        got.errors["unit"] = _("Choose the desk (unit) whose ledger to print.")
    else:
        got.unit = core.unit_by_code(request.user, unit_code[:40], Action.DOSSIER_VIEW)
        if got.unit is None:
            got.errors["unit"] = _("No such unit, or it is outside your reach.")
    for name, label in (("from", "date_from"), ("to", "date_to")):
        raw = q.get(name, "").strip()
        value = _date(raw) if raw else None
        if value is None:
            got.errors[name] = _("Enter a date as day/month/year, e.g. 06/04/2026.")
        setattr(got, label, value)
    if got.date_from and got.date_to:
        if got.date_from > got.date_to:
            got.errors["to"] = _("The end of the period must not be before its start.")
        elif (got.date_to - got.date_from).days >= printing.LEDGER_MAX_DAYS:
            got.errors["to"] = _("A ledger covers at most %(n)s days; choose a shorter period.") % {
                "n": printing.LEDGER_MAX_DAYS}
    raw_counter = q.get("counter", "").strip()
    if raw_counter:
        if not _DIGITS.match(raw_counter):
            got.errors["counter"] = _("The counter is a number, e.g. 2; leave it empty for the whole desk.")
        elif got.unit is not None:
            got.counter = core.counters_of(request.user, got.unit).filter(number=int(raw_counter)).first()
            if got.counter is None:
                got.errors["counter"] = _("This desk has no counter number %(n)s.") % {"n": raw_counter}
    raw_page = q.get("page", "1").strip() or "1"
    if not _DIGITS.match(raw_page) or int(raw_page) < 1:
        got.errors["page"] = _("The part number must be a whole number from 1.")
    else:
        got.page = int(raw_page)
    return got


@login_required
@require_GET
def print_ledger(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if not request.GET:
        return _ledger_form(request, LedgerInput(date_from=today.replace(day=1), date_to=today), status=200)
    got = _read_ledger_query(request)
    if got.errors:
        status = 404 if "unit" in got.errors and request.GET.get("unit") else 400
        return _ledger_form(request, got, status=status)
    assert got.unit is not None and got.date_from is not None and got.date_to is not None
    with translation.override(FORM_LANGUAGE):
        context = printing.ledger_context(request.user, got.unit, got.date_from, got.date_to, counter=got.counter,
                                          page=got.page)
        if got.page > context["pages"]:
            got.errors["page"] = _("This ledger has only %(n)s part(s).") % {"n": context["pages"]}
        else:
            content = printing.render_pdf(printing.LEDGER.template, context)
    if got.errors:
        return _ledger_form(request, got, status=400)
    suffix = f"-quay-{got.counter.number}" if got.counter else ""
    part = f"-phan-{got.page}" if got.page > 1 else ""
    return _pdf(content, f"so-theo-doi-{got.unit.code}{suffix}-{got.date_from:%Y%m%d}-{got.date_to:%Y%m%d}{part}.pdf")


def _ledger_form(request: HttpRequest, got: LedgerInput, *, status: int) -> HttpResponse:
    desks = core.visible_units(request.user, Action.DOSSIER_VIEW).filter(is_one_stop_desk=True)
    q = request.GET
    context = {
        "desks": list(desks.order_by("path")[:MAX_DESKS_LISTED]),
        "errors": got.errors,
        "values": {
            "unit": q.get("unit", "")[:40] or (got.unit.code if got.unit else ""),
            "counter": q.get("counter", "")[:9],
            "from": q.get("from", "")[:10] or (got.date_from.isoformat() if got.date_from else ""),
            "to": q.get("to", "")[:10] or (got.date_to.isoformat() if got.date_to else ""),
        },
        "max_days": printing.LEDGER_MAX_DAYS,
    }
    return render(request, "dossiers/print/ledger_form.html", context, status=status)


urlpatterns = [
    # form: "01" receipt, "02" supplement request, "03" refusal, "04" apology, "05" stop notice,
    # "06" process control sheet.
    path("dossiers/<str:code>/forms/<str:form>.pdf", print_form, name="print_form"),
    # 07 dossier ledger for a desk and a period (query: unit, counter, from, to).
    path("ledger.pdf", print_ledger, name="print_ledger"),
]
