"""Return desk (trả kết quả): find by code or QR scan, hand over, record who received it.

One big input, focused on load: a keyboard-wedge scanner types the code and Enter; the QR printed on
the forms holds the public lookup URL (`…/lookup/?code=<code>`), so either is accepted. The camera
button (returns.js, jsQR) decodes a QR into the same input. The hand-over is `return_result` at the desk
through `motcua.dossiers.services.perform`, with the receiver's name, ID number and relationship.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.backoffice.dossier_pages import RELATIONSHIP_LABELS, ReceiverFields, mask_id, visible_dossier
from motcua.dossiers import selectors
from motcua.dossiers.services import ActionParams, DossierError, allowed_actions_for, perform, status_label

if TYPE_CHECKING:
    from motcua.dossiers.models import Dossier

CODE_RE = re.compile(r"^[0-9A-Za-z.\-]{1,40}$")
MAX_SCAN_LENGTH = 500


def code_from_scan(raw: str) -> str:
    """The dossier code in what was typed or scanned: the code itself, or a lookup URL with `?code=`."""
    text = raw.strip()[:MAX_SCAN_LENGTH]
    if "code=" in text:
        values = parse_qs(urlsplit(text).query).get("code") or parse_qs(text.split("?", 1)[-1]).get("code") or [""]
        text = values[0].strip()
    text = text.upper()
    return text if CODE_RE.match(text) else ""


class ReturnAtDeskForm(ReceiverFields):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_receiver_fields(required=True)
        self.fields["receiver_name"].widget.attrs["autocomplete"] = "off"


def not_ready_reason(dossier: Dossier) -> str:
    """Why a dossier cannot be handed over now (empty when its result is ready)."""
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") if dossier.due_at else "—"
    reasons = {
        1: _("It was submitted online and has not been received yet."),
        3: _("It was refused at reception: there is no result to return."),
        4: _("It is still being processed (appointment %(due)s): there is no result yet.") % {"due": due},
        5: _("It is waiting for the applicant to supplement it: there is no result yet."),
        6: _("It is waiting for the payment of financial obligations: there is no result yet."),
        7: _("It was withdrawn: there is no result to return."),
        8: _("Its processing was stopped: there is no result to return."),
    }
    if dossier.status == 10:
        returned = timezone.localtime(dossier.returned_at).strftime("%H:%M %d/%m/%Y") if dossier.returned_at else "—"
        return _("Its result was already returned on %(at)s.") % {"at": returned}
    return reasons.get(dossier.status, "")


def _last_return(dossier: Dossier) -> dict[str, str] | None:
    event = selectors.events_of(dossier).filter(action="return_result").order_by("-seq").first()
    if event is None:
        return None
    p = event.payload or {}
    return {"name": str(p.get("receiver_name", "")), "id": mask_id(str(p.get("receiver_id_number", ""))),
            "relationship": str(RELATIONSHIP_LABELS.get(str(p.get("receiver_relationship")), "")),
            "by": event.actor_name}


def _render(request: HttpRequest, *, query: str = "", dossier: Dossier | None = None,
            form: ReturnAtDeskForm | None = None, error: str = "", status: int = 200) -> HttpResponse:
    form = form or ReturnAtDeskForm()
    context: dict[str, Any] = {"query": query, "dossier": dossier, "form": form, "error": error}
    if dossier is not None:
        can_return = "return_result" in allowed_actions_for(request.user, dossier)
        if can_return and dossier.status == 9:
            # Ready: the officer goes on with the receiver (the first field in error after a failed attempt).
            first = next((name for name in form.fields if form.is_bound and name in form.errors), "receiver_name")
            form.fields[first].widget.attrs["autofocus"] = True
        context.update({
            "status_label": status_label(dossier.status),
            "reason": not_ready_reason(dossier),
            "can_return": can_return,
            "results": selectors.result_documents_of(dossier) if dossier.status in (9, 10) else [],
            "returned": _last_return(dossier) if dossier.status == 10 else None,
        })
    done = code_from_scan(request.GET.get("done", ""))
    returned = selectors.dossier_by_code(request.user, done) if done else None
    if returned is not None and returned.status == 10:
        last = _last_return(returned)
        context["done"] = returned.code
        context["done_title"] = (
            _("The result of dossier %(code)s was handed to %(name)s.") % {"code": returned.code, "name": last["name"]}
            if last and last["name"] else _("Result of dossier %(code)s returned") % {"code": returned.code})
    return render(request, "backoffice/returns/desk.html", context, status=status)


@login_required
@require_GET
def return_desk(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    code = code_from_scan(raw)
    if raw.strip() and not code:
        return _render(request, query=raw.strip()[:100], error=_(
            "This is not a dossier code. Type a code like 000.10.01.H12-260406-0001 or scan the QR code on a form."))
    if not code:
        return _render(request)
    dossier = selectors.dossier_by_code(request.user, code)
    if dossier is None:
        return _render(request, query=code, status=404, error=_(
            "No dossier %(code)s among the dossiers of your units. Check the code and try again.") % {"code": code})
    return _render(request, query=code, dossier=dossier)


@login_required
@require_POST
def return_hand_over(request: HttpRequest, code: str) -> HttpResponse:
    dossier = visible_dossier(request, code)
    if "return_result" not in allowed_actions_for(request.user, dossier):
        return _render(request, query=dossier.code, dossier=dossier, status=403, error=_(
            "You cannot return the result of this dossier now."))
    form = ReturnAtDeskForm(request.POST)
    if not form.is_valid():
        return _render(request, query=dossier.code, dossier=dossier, form=form, status=422,
                       error=_("Some fields are not filled in correctly; see the messages below."))
    data = form.cleaned_data
    try:
        perform(actor=request.user, code=dossier.code, action="return_result",
                params=ActionParams(channel="desk", receiver_name=data["receiver_name"],
                                    receiver_id_number=data["receiver_id_number"],
                                    receiver_relationship=data["receiver_relationship"]))
    except DossierError as err:
        return _render(request, query=dossier.code, dossier=visible_dossier(request, code), form=form,
                       status=err.status, error=err.detail)
    return redirect(f"{reverse('backoffice:return_desk')}?done={dossier.code}")


urlpatterns = [
    path("returns/", return_desk, name="return_desk"),
    path("returns/<str:code>/", return_hand_over, name="return_hand_over"),
]
