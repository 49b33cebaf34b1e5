"""The dossier page (applicant, components, timeline, steps, allowed actions) and its action forms."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:  # placeholder until the screen lands
    raise Http404


urlpatterns = [
    path("dossiers/<str:code>/", dossier_detail, name="dossier_detail"),
]
