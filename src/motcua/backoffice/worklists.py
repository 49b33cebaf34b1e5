"""Worklists per role (mine, my unit's, due today, overdue, at risk, awaiting supplement, awaiting approval)
and bulk approval. Reads through `motcua.dossiers.worklists` (unit-scoped in SQL); approval writes through
`motcua.dossiers.services.perform`, one dossier per transaction."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from motcua.dossiers import worklists as wl
from motcua.dossiers.models import Channel, Status

TAB_LABELS = {
    wl.Tab.MINE: gettext_lazy("Mine"),
    wl.Tab.UNIT: gettext_lazy("My units'"),
    wl.Tab.DUE_TODAY: gettext_lazy("Due today"),
    wl.Tab.OVERDUE: gettext_lazy("Overdue"),
    wl.Tab.AT_RISK: gettext_lazy("At risk"),
    wl.Tab.SUPPLEMENT: gettext_lazy("Awaiting supplement"),
    wl.Tab.APPROVAL: gettext_lazy("Awaiting approval"),
}
TAB_HINTS = {
    wl.Tab.MINE: gettext_lazy("Dossiers whose current step you hold."),
    wl.Tab.UNIT: gettext_lazy("Open dossiers held by your units."),
    wl.Tab.DUE_TODAY: gettext_lazy("Appointment before the end of today, not yet overdue."),
    wl.Tab.OVERDUE: gettext_lazy("The appointment has passed and the dossier is still being processed."),
    wl.Tab.AT_RISK: gettext_lazy(
        "Not overdue yet, but the working time left is less than the remaining steps need."),
    wl.Tab.SUPPLEMENT: gettext_lazy("Waiting for the applicant to supplement the dossier."),
    wl.Tab.APPROVAL: gettext_lazy("At a leader's step and not approved yet."),
}
RISK_LABELS = {
    wl.Risk.OVERDUE: gettext_lazy("Overdue"),
    wl.Risk.AT_RISK: gettext_lazy("At risk of lateness"),
    wl.Risk.IN_TIME: gettext_lazy("In time"),
    wl.Risk.LATE: gettext_lazy("Resolved late"),
    wl.Risk.DONE_IN_TIME: gettext_lazy("Resolved in time"),
    wl.Risk.NONE: gettext_lazy("Not received yet"),
}
SORT_LABELS = {
    wl.Sort.DUE: gettext_lazy("Appointment, earliest first"),
    wl.Sort.DUE_DESC: gettext_lazy("Appointment, latest first"),
    wl.Sort.RECEIVED: gettext_lazy("Received, oldest first"),
    wl.Sort.RECEIVED_DESC: gettext_lazy("Received, newest first"),
    wl.Sort.CODE: gettext_lazy("Dossier code, A to Z"),
    wl.Sort.CODE_DESC: gettext_lazy("Dossier code, Z to A"),
}
CHANNEL_LABELS: dict[int, Any] = dict(Channel.choices)
STATUS_LABELS: dict[int, Any] = dict(Status.choices)


class WorklistForm(forms.Form):
    """The query string of the worklist: every value is checked; an invalid one is reported, not applied."""

    tab = forms.ChoiceField(required=False, choices=[], error_messages={"invalid_choice": gettext_lazy(
        "Choose a list from the tabs.")})
    q = forms.CharField(label=gettext_lazy("Dossier code or applicant's name"), required=False,
                        max_length=wl.MAX_QUERY_LENGTH, strip=True,
                        error_messages={"max_length": gettext_lazy(
                            "Enter at most %(limit_value)d characters: a dossier code or part of a name.")})
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), required=False, choices=[],
                                  error_messages={"invalid_choice": gettext_lazy(
                                      "Choose a procedure from the list.")})
    status = forms.TypedChoiceField(label=gettext_lazy("Status"), required=False, coerce=int, empty_value=None,
                                    choices=[], error_messages={"invalid_choice": gettext_lazy(
                                        "Choose a status from the list.")})
    channel = forms.TypedChoiceField(label=gettext_lazy("Channel"), required=False, coerce=int, empty_value=None,
                                     choices=[], error_messages={"invalid_choice": gettext_lazy(
                                         "Choose a channel from the list.")})
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[],
                             error_messages={"invalid_choice": gettext_lazy("Choose an order from the list.")})

    def __init__(self, data: Any, *, tabs: tuple[wl.Tab, ...], procedures: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["tab"].choices = [(t.value, TAB_LABELS[t]) for t in tabs]
        self.fields["procedure"].choices = [("", _("All procedures")),
                                            *((code, f"{code} – {name}") for code, name in procedures)]
        self.fields["status"].choices = [("", _("All statuses")),
                                         *((s, STATUS_LABELS[s]) for s in wl.OPEN_STATUSES if s != 2)]
        self.fields["channel"].choices = [("", _("All channels")), *CHANNEL_LABELS.items()]
        self.fields["sort"].choices = [(s.value, SORT_LABELS[s]) for s in wl.Sort]

    def cleaned(self, name: str, default: Any = None) -> Any:
        """The field's clean value, or `default` when it is missing or invalid."""
        if not self.is_valid() and name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


def _fields(form: WorklistForm) -> list[dict[str, Any]]:
    """The filter form's fields with their options and the selected one, prepared once (the template
    only prints them)."""
    out = []
    for name in ("q", "procedure", "status", "channel", "sort"):
        field = form[name]
        value = "" if field.value() is None else str(field.value())
        options = [{"value": str(v), "label": str(label), "selected": str(v) == value}
                   for v, label in getattr(field.field, "choices", [])]
        out.append({"name": name, "id": "worklist-q" if name == "q" else field.id_for_label,
                    "label": str(field.label), "errors": [str(e) for e in field.errors], "value": value,
                    "options": options})
    return out


def _filter_of(form: WorklistForm) -> wl.WorklistFilter:
    return wl.WorklistFilter(procedure=form.cleaned("procedure", ""), status=form.cleaned("status"),
                             channel=form.cleaned("channel"), query=form.cleaned("q", ""))


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    scope = wl.scope_for(request.user)
    if not scope.unit_ids:
        raise PermissionDenied(_("You have no role that works on dossiers."))
    tabs = wl.visible_tabs(scope)
    form = WorklistForm(request.GET, tabs=tabs, procedures=wl.procedure_choices(scope))
    form.is_valid()
    f, too_many = wl.resolve_query(scope, _filter_of(form))
    counts = wl.tab_counts(scope, f, tabs)
    by_tab = {c.tab: c for c in counts}
    requested = form.cleaned("tab")
    # By default the officer's own dossiers, else the units'.
    default = wl.Tab.MINE if by_tab[wl.Tab.MINE].count else wl.Tab.UNIT
    tab = wl.Tab(requested) if requested else default
    sort = wl.Sort(form.cleaned("sort", wl.Sort.DUE.value))
    after = request.GET.get("after") or None
    before = request.GET.get("before") or None
    cursor_error = False
    try:
        page = wl.worklist_page(scope, tab, f, sort, after=after, before=before)
    except wl.CursorError:
        cursor_error = True
        page = wl.worklist_page(scope, tab, f, sort)
    params = {"tab": tab.value, "q": f.query, "procedure": f.procedure, "status": f.status or "",
              "channel": f.channel or "", "sort": sort.value}
    context = {
        "form": form,
        "scope": scope,
        "tab": tab,
        "tab_label": str(TAB_LABELS[tab]),
        "tab_hint": str(TAB_HINTS[tab]),
        "fields": _fields(form),
        "tabs": [{"tab": c.tab, "label": str(TAB_LABELS[c.tab]), "count": c.count, "capped": c.capped,
                  "url": "?" + _query(params, tab=c.tab.value), "current": c.tab is tab} for c in counts],
        "rows": _present(page.rows),
        "L": _labels(),
        "page": page,
        "bulk": any(row.can_approve for row in page.rows),
        "columns": _columns(params, sort),
        "next_url": "?" + _query(params, after=page.next_cursor) if page.next_cursor else "",
        "previous_url": "?" + _query(params, before=page.previous_cursor) if page.previous_cursor else "",
        "first_url": "?" + _query(params) if (after or before) else "",
        "here": request.get_full_path(),
        "cursor_error": cursor_error,
        "too_many": too_many,
        "max_matches": wl.MAX_MATCHES,
        "filtered": f.active,
        "clear_url": "?" + _query({"tab": tab.value}),
        "several_units": len(scope.unit_ids) > 1,
    }
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    template = "backoffice/worklists/_results.html" if partial else "backoffice/worklists/worklist.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _present(rows: list[wl.WorklistRow]) -> list[dict[str, Any]]:
    """What each row shows, prepared in Python (labels translated once, dates in local time, the link):
    a 50-row table rendered with template tags per cell costs several times more."""
    status = {k: str(v) for k, v in STATUS_LABELS.items()}
    channel = {k: str(v) for k, v in CHANNEL_LABELS.items()}
    risk = {k: str(v) for k, v in RISK_LABELS.items()}
    link = reverse("backoffice:dossier_detail", args=["CODE"])
    select = _("Select dossier %(code)s")
    out = []
    for row in rows:
        received = timezone.localtime(row.received_at) if row.received_at else None
        due = timezone.localtime(row.due_at) if row.due_at else None
        out.append({
            "row": row,
            "url": link.replace("CODE", quote(row.code, safe="")),
            "status_label": status.get(row.status, str(row.status)),
            "channel_label": channel.get(row.channel, ""),
            "risk_label": risk[row.risk],
            "received_date": received.strftime("%d/%m/%Y") if received else "",
            "received_time": received.strftime("%H:%M") if received else "",
            "due_date": due.strftime("%d/%m/%Y") if due else "",
            "due_time": due.strftime("%H:%M") if due else "",
            "due_iso": due.isoformat() if due else "",
            "select_label": select % {"code": row.code} if row.can_approve else "",
        })
    return out


def _labels() -> dict[str, str]:
    """Column labels and row texts, translated once per page (not once per row and cell)."""
    return {
        "code": _("Dossier code"), "applicant": _("Applicant"), "procedure": _("Procedure"), "status": _("Status"),
        "received": _("Received at"), "due": _("Appointment"), "progress": _("Progress"), "held_by": _("Held by"),
        "yours": _("yours"), "awaiting_approval": _("awaiting approval"),
        "apologised": _("new date after an apology"),
    }


def _columns(params: dict[str, Any], sort: wl.Sort) -> dict[str, dict[str, Any]]:
    """Sortable column headers: the link toggles the direction; `aria` is the aria-sort value."""
    out = {}
    for key, asc, desc in (("code", wl.Sort.CODE, wl.Sort.CODE_DESC),
                           ("received", wl.Sort.RECEIVED, wl.Sort.RECEIVED_DESC),
                           ("due", wl.Sort.DUE, wl.Sort.DUE_DESC)):
        active = sort in (asc, desc)
        target = desc if sort is asc else asc
        out[key] = {"url": "?" + _query(params, sort=target.value),
                    "aria": ("descending" if sort is desc else "ascending") if active else "none",
                    "active": active, "descending": sort is desc}
    return out


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    scope = wl.scope_for(request.user)
    if not scope.may_approve:
        raise PermissionDenied(_("Only leaders can approve dossiers."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()) or not target.startswith("/"):
        target = reverse("backoffice:worklist") + "?tab=" + wl.Tab.APPROVAL.value
    codes = [c.strip() for c in request.POST.getlist("codes") if c.strip()]
    if not codes:
        messages.error(request, _("Select at least one dossier to approve, then press the button again."))
        return HttpResponseRedirect(target)
    if len(codes) > wl.MAX_BULK or any(len(c) > 40 for c in codes):
        messages.error(request, _("Approve at most %(n)d dossiers at a time: select fewer and try again.")
                       % {"n": wl.MAX_BULK})
        return HttpResponseRedirect(target)
    outcomes = wl.approve_many(request.user, codes)
    done = [o.code for o in outcomes if o.ok]
    if done:
        messages.success(request, ngettext("Approved %(count)d dossier: %(codes)s.",
                                           "Approved %(count)d dossiers: %(codes)s.", len(done))
                         % {"count": len(done), "codes": ", ".join(done)})
    for o in outcomes:
        if not o.ok:
            messages.error(request, _("Dossier %(code)s was not approved: %(reason)s")
                           % {"code": o.code, "reason": o.detail})
    return HttpResponseRedirect(target)


def home_counts(user: Any) -> list[dict[str, Any]]:
    """The officer's tabs with their (bounded) counts, for the back-office home page; [] without a dossier role."""
    scope = wl.scope_for(user)
    if not scope.unit_ids:
        return []
    url = reverse("backoffice:worklist")
    return [{"tab": c.tab, "label": TAB_LABELS[c.tab], "hint": TAB_HINTS[c.tab], "count": c.count,
             "capped": c.capped, "url": f"{url}?tab={c.tab.value}"} for c in wl.tab_counts(scope)]


urlpatterns = [
    path("worklist/", worklist, name="worklist"),
    path("worklist/approve/", bulk_approve, name="bulk_approve"),
]
