"""Return desk (trả kết quả): find by code or QR scan, hand over, record who received it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def return_desk(request: HttpRequest) -> HttpResponse:  # placeholder until the screen lands
    raise Http404


urlpatterns = [
    path("returns/", return_desk, name="return_desk"),
]
