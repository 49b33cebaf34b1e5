from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def lookup(request: HttpRequest) -> HttpResponse:  # placeholder: the public lookup page (target of the forms' QR)
    raise Http404
