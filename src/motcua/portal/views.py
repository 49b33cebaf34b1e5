import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.dossiers import selectors as dossiers
from motcua.dossiers.printing.text import timeliness_label
from motcua.dossiers.services import status_label

# Dossier codes: receiving unit code, day and number (000.10.01.H12-260406-0001); nothing else is looked up.
DOSSIER_CODE = re.compile(r"^[0-9A-Za-z.\-]{1,40}$")
# Shared with the REST API's public lookup: one budget per client address, whichever door it uses.
LOOKUP_SCOPE = "public-dossier"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """Public lookup by dossier code (the target of the forms' QR codes): status and dates, the name masked."""
    from motcua.api.dossiers import PUBLIC_LOOKUPS_PER_MINUTE
    from motcua.api.ratelimit import RateLimited, check

    raw = request.GET.get("code")
    context: dict[str, object] = {"code": "", "result": None, "error": None, "searched": raw is not None}
    status = 200
    if raw is not None:
        code = raw.strip()
        context["code"] = code[:40]
        if not code:
            context["error"], status = _("Enter the dossier code printed on your receipt."), 400
        elif not DOSSIER_CODE.match(code):
            context["error"], status = _(
                "A dossier code has only letters, digits, dots and hyphens, e.g. 000.10.01.H12-260406-0001. "
                "Check the code on your receipt."), 400
        else:
            try:
                check(request, LOOKUP_SCOPE, PUBLIC_LOOKUPS_PER_MINUTE)
            except RateLimited as exc:
                context["error"] = _("Too many lookups from your connection; wait a minute and try again.")
                response = render(request, "portal/lookup.html", context, status=429)
                response["Retry-After"] = str(exc.retry_after)
                return response
            row = dossiers.public_lookup(code)
            if row is None:
                context["error"], status = _(
                    "No dossier has this code. Check the code on your receipt (letters, digits, dots and hyphens "
                    "exactly as printed)."), 404
            else:
                context["result"] = {**row, "status_label": status_label(row["status"]),
                                     "timeliness_label": timeliness_label(row["timeliness"])}
    response = render(request, "portal/lookup.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
