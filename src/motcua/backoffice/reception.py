"""Counter reception (tiếp nhận tại quầy) and the review of online dossiers. Owner: reception work."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def reception(request: HttpRequest) -> HttpResponse:  # placeholder until the screen lands
    raise Http404


def online_review(request: HttpRequest) -> HttpResponse:  # placeholder until the screen lands
    raise Http404


urlpatterns = [
    path("reception/", reception, name="reception"),
    path("online/", online_review, name="online_review"),
]
