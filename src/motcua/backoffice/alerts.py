"""The officer's lateness alerts (a list of their open alerts with links to the dossiers) and the Mẫu 04
preview of an apology draft. Reads through `motcua.dossiers.alerts` (unit-scoped in SQL)."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.backoffice.dossier_pages import visible_dossier
from motcua.backoffice.printing import FORM_LANGUAGE, _pdf, _unavailable
from motcua.dossiers import alerts, printing

_DIGITS = re.compile(r"^\d{1,12}$")


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("before", "")
    bad_input = bool(raw) and not _DIGITS.match(raw)
    before = int(raw) if raw and not bad_input else None
    page = alerts.open_alerts_for(request.user, before=before)
    next_url = f"{reverse('backoffice:alerts')}?before={page.next_before}" if page.next_before else ""
    return render(request, "backoffice/alerts/list.html",
                  {"rows": page.rows, "next_url": next_url, "bad_input": bad_input},
                  status=400 if bad_input else 200)


@login_required
@require_GET
def apology_draft_pdf(request: HttpRequest, code: str) -> HttpResponse:
    dossier = visible_dossier(request, code[:40])
    draft = alerts.apology_draft(dossier)
    if draft is None:
        return _unavailable(request, _("Apology draft"), _(
            "There is no apology draft for this dossier now: the lateness scan prepares one when the last moment "
            "to apologise approaches and the dossier will be late."), code=dossier.code)
    with translation.override(FORM_LANGUAGE):
        context = alerts.apology_draft_context(dossier, draft, timezone.now())
        content = printing.render_pdf("dossiers/print/04_apology_draft.html", context)
    return _pdf(content, f"{dossier.code}-mau-04-du-thao.pdf")


urlpatterns = [
    path("alerts/", alert_list, name="alerts"),
    path("dossiers/<str:code>/apology-draft.pdf", apology_draft_pdf, name="apology_draft_pdf"),
]
