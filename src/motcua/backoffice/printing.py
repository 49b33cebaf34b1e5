"""Official printed forms 01–07 (Circular 03/2025/TT-VPCP set) as PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def print_form(request: HttpRequest, code: str, form: str) -> HttpResponse:  # placeholder until forms land
    raise Http404


def print_ledger(request: HttpRequest) -> HttpResponse:  # placeholder until forms land
    raise Http404


urlpatterns = [
    # form: "01" receipt, "02" supplement request, "03" refusal, "04" apology, "05" stop notice,
    # "06" process control sheet.
    path("dossiers/<str:code>/forms/<str:form>.pdf", print_form, name="print_form"),
    # 07 dossier ledger for a desk and a period (query: unit, counter, from, to).
    path("ledger.pdf", print_ledger, name="print_ledger"),
]
