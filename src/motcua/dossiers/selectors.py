"""Readers of dossiers. Every list is unit-scoped in SQL (`motcua.core.permissions`), filtered and
keyset-paginated on indexed columns; nothing is checked row by row in Python."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.core.domain.permissions import Action
from motcua.core.permissions import units_for
from motcua.dossiers.models import Dossier, DossierComponent, DossierEvent, StepExecution, StoredFile

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import Unit, User

TERMINAL = (3, 7, 8, 10)


def visible_dossiers(user: User | AnonymousUser, action: Action = Action.DOSSIER_VIEW) -> QuerySet[Dossier]:
    """Dossiers the user may see: held by, received by or competent in a unit of the user's reach."""
    units = units_for(user, action).values("pk")
    return Dossier.objects.filter(
        Q(current_unit__in=units) | Q(receiving_unit__in=units) | Q(competent_unit__in=units)
    )


def dossier_by_code(user: User | AnonymousUser, code: str) -> Dossier | None:
    return (visible_dossiers(user).select_related("procedure", "receiving_unit", "competent_unit", "current_unit")
            .filter(code=code).first())


@dataclass(frozen=True)
class DossierFilter:
    status: tuple[int, ...] = ()
    unit: str | None = None  # current unit code (the worklist's unit)
    procedure: str | None = None  # catalogue code
    channel: int | None = None
    due_before: datetime | None = None
    overdue: bool | None = None
    held_by_my_units: bool = False


def _cursor_encode(due_at: datetime | None, pk: int) -> str:
    raw = json.dumps([due_at.isoformat() if due_at else None, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime | None, int]:
    """Raises ValueError for a malformed cursor."""
    padded = cursor + "=" * (-len(cursor) % 4)
    due, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
    return (datetime.fromisoformat(due) if due else None), int(pk)


@dataclass
class DossierPage:
    results: list[Dossier]
    next_cursor: str | None


LIST_COLUMNS = ("code", "procedure__code", "procedure__name", "current_unit__code", "current_unit__name", "channel",
                "status", "applicant_name", "received_at", "due_at", "finished_at", "original_due_at", "paused_at",
                "forced_late")


def list_dossiers(user: User | AnonymousUser, f: DossierFilter, *, limit: int = 50, cursor: str | None = None,
                  now: datetime | None = None) -> DossierPage:
    """A page of dossiers ordered by due time (nulls last), then id; keyset pagination on (due_at, id)."""
    now = now or timezone.now()
    if f.held_by_my_units:
        # Resolve the (few) unit ids first: a literal IN list lets the planner use the worklist index per unit
        # (benchmarks/dossiers/bench_worklist.py: 810 ms → 5 ms for a unit holding nothing at 1M dossiers).
        unit_ids = list(units_for(user, Action.DOSSIER_VIEW).values_list("pk", flat=True))
        qs = Dossier.objects.filter(current_unit_id__in=unit_ids)
    else:
        qs = visible_dossiers(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.unit:
        qs = qs.filter(current_unit__code=f.unit)
    if f.procedure:
        qs = qs.filter(procedure__code=f.procedure)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.due_before:
        qs = qs.filter(due_at__lt=f.due_before)
    if f.overdue is True:
        qs = qs.exclude(status__in=(*TERMINAL, 9)).filter(Q(due_at__lt=now) | Q(forced_late=True))
    elif f.overdue is False:
        qs = qs.exclude(status__in=(*TERMINAL, 9)).filter(due_at__gte=now, forced_late=False)
    if cursor:
        due, pk = cursor_decode(cursor)
        if due is None:
            qs = qs.filter(due_at__isnull=True, pk__gt=pk)
        else:
            qs = qs.filter(Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk) | Q(due_at__isnull=True))
    # Only the list's columns (`LIST_COLUMNS`); rows are judged from their columns (`Dossier.timeliness_at`), so
    # the state JSON is not read. At 5 M dossiers building the full rows was most of a page's 25 ms.
    qs = qs.select_related("procedure", "current_unit").only(*LIST_COLUMNS).order_by("due_at", "pk")
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return DossierPage(rows, _cursor_encode(rows[-1].due_at, rows[-1].pk) if more and rows else None)


def events_of(dossier: Dossier) -> QuerySet[DossierEvent]:
    return DossierEvent.objects.filter(dossier=dossier).select_related("actor").order_by("seq")


def steps_of(dossier: Dossier) -> QuerySet[StepExecution]:
    return StepExecution.objects.filter(dossier=dossier).select_related("unit", "holder").order_by("index")


def public_lookup(code: str) -> dict[str, Any] | None:
    """What anyone may see by code: no personal data beyond a masked name.

    `timeliness` is the rules' judgement now ("early", "on_time", "late", "in_time", "overdue" or None).
    """
    row = (Dossier.objects.filter(code=code)
           .values("code", "status", "received_at", "due_at", "finished_at", "returned_at", "applicant_name",
                   "procedure__name", "receiving_unit__name", "original_due_at", "paused_at", "forced_late").first())
    if row is None:
        return None
    from motcua.dossiers import domain as rules

    row["applicant_name"] = mask_name(row["applicant_name"])
    judged = rules.timeliness_from(row["status"], row.pop("original_due_at"), row["finished_at"], row.pop("paused_at"),
                                   row.pop("forced_late"), timezone.now())
    row["timeliness"] = None if judged is None else judged.value
    return row


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V** A*': enough to recognise, not to identify."""
    parts = name.split()
    if len(parts) <= 1:
        return (name[:1] + "*" * (len(name) - 1)) if name else ""
    return " ".join([parts[0], *(p[0] + "*" * (len(p) - 1) for p in parts[1:])])


# ---- readers for the REST API ------------------------------------------------------------------------


def components_of(dossier: Dossier) -> QuerySet[DossierComponent]:
    return DossierComponent.objects.filter(dossier=dossier).prefetch_related("files").order_by("order", "pk")


def file_of(dossier: Dossier, sha256: str) -> StoredFile | None:
    """A stored file attached to one of `dossier`'s components or recorded as its result (None for any other)."""
    found = StoredFile.objects.filter(sha256=sha256, components__dossier=dossier).distinct().first()
    if found is None and DossierEvent.objects.filter(dossier=dossier, action="record_result",
                                                     payload__result_file=sha256).exists():
        found = StoredFile.objects.filter(sha256=sha256).first()
    return found


def officer_by_username(username: str) -> User | None:
    """An active user holding at least one role: who a dossier may be assigned or handed to."""
    from motcua.core.models import User as UserModel

    return (UserModel.objects.filter(username=username, is_active=True, roles__isnull=False)
            .distinct().first())


def unit_for_transfer(code: str) -> Unit | None:
    """An active unit by code, unscoped: the target of an interconnected hand-over (the rules decide)."""
    from motcua.core.models import Unit as UnitModel

    return UnitModel.objects.filter(code=code, is_active=True).first()


# ---- readers for the back-office dossier page and return desk ------------------------------------------

MAX_PICK_LIST = 500


def officers_for_step(unit: Unit, role: str, *, limit: int = 200) -> list[User]:
    """Active officers who may hold a step of `role` at `unit`: the role held at the unit or above it."""
    from motcua.core.models import User as UserModel

    codes = [c for c in unit.path.split("/") if c]
    return list(UserModel.objects.filter(is_active=True, roles__role=role, roles__unit__code__in=codes)
                .distinct().order_by("full_name", "username")[:limit])


def units_for_transfer(*, limit: int = MAX_PICK_LIST) -> list[Unit]:
    """Active units a dossier may be handed over to (interconnected flow), in tree order; bounded."""
    from motcua.core.models import Unit as UnitModel

    return list(UnitModel.objects.filter(is_active=True).order_by("path")[:limit])


@dataclass(frozen=True)
class ResultDocument:
    """A result recorded on a dossier (`record_result` event) and its document, if one was uploaded."""

    at: datetime
    actor_name: str
    electronic: bool
    note: str
    file: StoredFile | None


def result_documents_of(dossier: Dossier) -> list[ResultDocument]:
    """The results recorded on `dossier`, oldest first, with their stored documents (two queries)."""
    events = list(DossierEvent.objects.filter(dossier=dossier, action="record_result").order_by("seq")[:100])
    shas = {str(e.payload.get("result_file")) for e in events if e.payload.get("result_file")}
    files = {f.sha256: f for f in StoredFile.objects.filter(sha256__in=shas)} if shas else {}
    return [ResultDocument(e.at, e.actor_name, bool(e.payload.get("electronic")), str(e.payload.get("reason") or ""),
                           files.get(str(e.payload.get("result_file") or "")))
            for e in events]


def names_for(user_ids: set[str], unit_codes: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of the officers (by id, as event payloads hold them) and units (by code) an event names."""
    from motcua.core.models import Unit as UnitModel
    from motcua.core.models import User as UserModel

    ids = [int(i) for i in user_ids if i.isdigit()][:MAX_PICK_LIST]
    users = {str(pk): full_name or username for pk, full_name, username in
             UserModel.objects.filter(pk__in=ids).values_list("pk", "full_name", "username")} if ids else {}
    codes = sorted(unit_codes)[:MAX_PICK_LIST]
    units = dict(UnitModel.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return users, units
