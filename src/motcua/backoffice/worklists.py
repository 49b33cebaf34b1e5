"""Worklists per role (mine, my unit's, due today, overdue, at risk, awaiting supplement) and bulk approval."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def worklist(request: HttpRequest) -> HttpResponse:  # placeholder until the screen lands
    raise Http404


urlpatterns = [
    path("worklist/", worklist, name="worklist"),
]
