"""What the one-stop desk's screens read and preview, and the counter intake as one use case.

Readers (unit-scoped in SQL through `motcua.core.permissions`): the desks an officer receives at, the
procedures a desk receives (diacritic-insensitive search on the catalogue's folded column), an earlier
applicant by ID number, the queue of dossiers awaiting the desk's decision. Previews: the fee under the
catalogue's rules (`compute_fee`, tiered per page included) and the appointment on the desk's working
calendar — the same rules the services apply, so the screen shows what saving will give.

`take_in` is the counter intake: create the dossier (`services.create_dossier`) and, when the dossier is
incomplete or not eligible, record the intake decision (`services.perform`: request a supplement or
refuse) in the same transaction. It holds no rule of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import IO, TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import selectors as catalog
from motcua.catalog.domain.fees import FeeBasis, FeeKind, compute_fee
from motcua.catalog.models import FeeRule, LimitKinds, Procedure, ProcedureUnit, RequiredDocument, UnitRoles
from motcua.core.domain.permissions import Action
from motcua.core.models import Counter, Unit
from motcua.core.permissions import units_for
from motcua.dossiers import services
from motcua.dossiers.files import sniff
from motcua.dossiers.idempotency import remember_idempotent, replay
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Status
from motcua.dossiers.selectors import visible_dossiers
from motcua.workcalendar.domain import CalendarRangeError, Limit, LimitKind
from motcua.workcalendar.selectors import calendar_for_unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

MAX_DESKS = 100
MAX_COUNTERS = 200
CCCD_LENGTH = 12


# ---- desks and procedures ------------------------------------------------------------------------------


def reception_desks(user: User | AnonymousUser) -> QuerySet[Unit]:
    """Active one-stop desks where `user` may receive dossiers (a reception role reaches its subtree)."""
    return (units_for(user, Action.DOSSIER_RECEIVE).filter(is_active=True, is_one_stop_desk=True)
            .order_by("path")[:MAX_DESKS])


def desk_for(user: User | AnonymousUser, code: str | None) -> Unit | None:
    """The desk `code` if `user` receives there; without a code, the user's first desk."""
    desks = reception_desks(user)
    if code:
        return units_for(user, Action.DOSSIER_RECEIVE).filter(code=code, is_active=True,
                                                               is_one_stop_desk=True).first()
    return desks.first()


def desk_counters(desk: Unit) -> list[Counter]:
    """The open counters of `desk` (the caller checked the officer receives there), by number."""
    return list(Counter.objects.filter(unit=desk, is_active=True).order_by("number")[:MAX_COUNTERS])


def counter_of_desk(desk: Unit, number: object) -> Counter | None:
    """The open counter number `number` of `desk` (a digit string or an int), or None."""
    raw = str(number or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
        return None
    return Counter.objects.filter(unit=desk, is_active=True, number=int(raw)).first()


def receivable_procedures(desk: Unit, query: str = "") -> QuerySet[Procedure]:
    """Active procedures `desk` receives (listed as receiving or competent, by unit or by kind), best match first.

    `query` is diacritic-insensitive ("khai sinh" finds "Đăng ký khai sinh"); shorter names come first, so
    the plain procedure precedes its variants.
    """
    links = (ProcedureUnit.objects.filter(role__in=[UnitRoles.RECEIVING, UnitRoles.COMPETENT])
             .filter(Q(unit=desk) | Q(unit_kind=desk.kind)).values("procedure_id"))
    return (catalog.procedures(query=query).filter(pk__in=links)
            .order_by(Length("name"), "code"))


def procedure_for_desk(desk: Unit, code: str) -> Procedure | None:
    """The procedure `code` if `desk` receives it, with its documents and fees."""
    return (receivable_procedures(desk).filter(code=code)
            .prefetch_related("documents", "fees").first())


def checklist_of(procedure: Procedure) -> list[RequiredDocument]:
    """The procedure's required documents in catalogue order (prefetched by `procedure_for_desk`)."""
    return sorted(procedure.documents.all(), key=lambda d: (d.order, d.pk))


def required_documents(procedure_id: int) -> list[RequiredDocument]:
    """The required documents of a procedure by id, in catalogue order."""
    return list(RequiredDocument.objects.filter(procedure_id=procedure_id).order_by("order", "pk"))


def limit_label(limit: Limit) -> str:
    """'3 working days', 'same working day (after 15:00: next working day)' (translated)."""
    labels = dict(LimitKinds.choices)
    if limit.kind is LimitKind.SAME_DAY:
        return str(labels[LimitKind.SAME_DAY.value])
    return f"{limit.amount} {labels[limit.kind.value]}"


# ---- fees and appointment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeInput:
    """One fee rule of the procedure and the quantities the officer enters for it."""

    id: int
    name: str
    note: str
    kind: str
    basis: str
    needs_pages: bool
    needs_copies: bool
    needs_cases: bool


@dataclass(frozen=True)
class FeeLine:
    name: str
    amount: int


@dataclass(frozen=True)
class FeePreview:
    lines: tuple[FeeLine, ...]
    total: int


@dataclass(frozen=True)
class Quantities:
    pages: int = 1
    copies: int = 1
    cases: int = 1


def fee_inputs(procedure: Procedure) -> list[FeeInput]:
    """What the officer must say for each fee rule: pages and copies for per-page tiers, copies, cases."""
    rows: list[FeeInput] = []
    for fee in sorted(procedure.fees.all(), key=lambda f: (f.order, f.pk)):
        tiered = fee.kind == FeeKind.TIERED_PAGE
        fixed = fee.kind == FeeKind.FIXED
        rows.append(FeeInput(
            id=fee.pk, name=fee.name, note=fee.note, kind=fee.kind, basis=fee.basis, needs_pages=tiered,
            needs_copies=tiered or (fixed and fee.basis == FeeBasis.COPY),
            needs_cases=fixed and fee.basis == FeeBasis.CASE,
        ))
    return rows


def preview_fee(procedure: Procedure, quantities: dict[int, Quantities]) -> FeePreview:
    """The fees under the catalogue's rules for the quantities given per fee rule (1 where not given)."""
    fees: list[FeeRule] = sorted(procedure.fees.all(), key=lambda f: (f.order, f.pk))
    lines = []
    for fee in fees:
        q = quantities.get(fee.pk, Quantities())
        amount = compute_fee(catalog.fee_spec(fee), pages=q.pages, copies=q.copies, cases=q.cases)
        lines.append(FeeLine(fee.name, amount))
    return FeePreview(tuple(lines), sum(line.amount for line in lines))


def preview_appointment(procedure: Procedure, desk: Unit, now: datetime | None = None) -> datetime | None:
    """The appointment a dossier received now at `desk` gets (None beyond the calendar's known years)."""
    try:
        return calendar_for_unit(desk).due(now or timezone.now(), catalog.limit_of(procedure))
    except CalendarRangeError:
        return None


# ---- applicants ----------------------------------------------------------------------------------------


def is_cccd(value: str) -> bool:
    return len(value) == CCCD_LENGTH and value.isascii() and value.isdigit()


def applicant_by_id_number(user: User | AnonymousUser, id_number: str) -> services.ApplicantData | None:
    """The applicant of the latest dossier with this ID number among those `user` may see (None if none)."""
    if not is_cccd(id_number):
        return None
    row = (visible_dossiers(user).filter(applicant_id_number=id_number).order_by("-created_at", "-pk")
           .values("applicant_kind", "applicant_name", "applicant_phone", "applicant_email", "applicant_address")
           .first())
    if row is None:
        return None
    return services.ApplicantData(
        name=row["applicant_name"], kind=row["applicant_kind"], id_number=id_number, phone=row["applicant_phone"],
        email=row["applicant_email"], address=row["applicant_address"])


# ---- uploads -------------------------------------------------------------------------------------------


def scan_problem(upload: IO[bytes]) -> str | None:
    """Why `upload` would be refused as a scan (the same checks `files.store_upload` makes), or None.

    Lets the screen name the component whose file is wrong; the service checks again when it stores it.
    """
    limit = settings.MOTCUA_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        return _("The file is larger than %(mb)s MB; scan at a lower resolution or split it.") % {
            "mb": limit // (1024 * 1024) or 1}
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        return _("The file is empty; choose the file again.")
    kind = sniff(head, upload)
    upload.seek(0)
    if kind is None:
        return _("This kind of file is not accepted. Send a PDF, JPEG, PNG, DOCX or XLSX file.")
    return None


# ---- the intake decision -------------------------------------------------------------------------------


class Outcome(StrEnum):
    RECEIVE = "receive"  # complete: received, status 4, receipt Mẫu 01
    SUPPLEMENT = "supplement"  # incomplete: supplement request at intake, status 5, Mẫu 02
    REFUSE = "refuse"  # not eligible: refused at intake, status 3, Mẫu 03


FORM_OF_OUTCOME = {Outcome.RECEIVE: "01", Outcome.SUPPLEMENT: "02", Outcome.REFUSE: "03"}
INTAKE_HASH = "counter-intake"  # one form token = one dossier, whatever was typed


@transaction.atomic
def take_in(*, actor: User, procedure: Procedure, desk: Unit, applicant: services.ApplicantData,
            components: Sequence[services.ComponentData], outcome: Outcome, reason: str = "", fee_total: int = 0,
            summary: str = "", now: datetime | None = None, idempotency_key: str = "",
            counter: Counter | None = None) -> Dossier:
    """Record a dossier brought to the counter, with the desk's decision, in one transaction.

    * receive: `create_dossier` (channel direct): received now, at the first process step;
    * supplement / refuse: `create_dossier(register_only=True)` (status 1), then `request_supplement`
      (→ 5, `reason` lists what is missing) or `refuse` (→ 3, `reason` is the legal reason). No fee is
      recorded for a dossier that is not received.

    `counter` (the desk's counter the officer works at) goes into the first event's payload: the receipt
    (`receive`) or the registration, so that the ledger of that counter (Mẫu 07) lists the dossier.

    `idempotency_key` (the form's one-time token) is recorded in the same transaction: a form sent twice
    creates one dossier (`idempotency.replay` finds it; a concurrent second send raises `IdempotencyRace`).
    """
    now = now or timezone.now()
    if outcome is not Outcome.RECEIVE and not reason.strip():
        raise ValidationError({"reason": _("Say what is missing or why the dossier is refused.")})
    dossier = services.create_dossier(
        actor=actor, procedure=procedure, receiving_unit=desk, channel=cast(int, Channel.DIRECT), applicant=applicant,
        components=components, summary=summary, now=now, register_only=outcome is not Outcome.RECEIVE,
        fee_total=fee_total if outcome is Outcome.RECEIVE else 0, counter=counter,
    )
    if idempotency_key:
        remember_idempotent(actor, idempotency_key, INTAKE_HASH, dossier)
    if outcome is Outcome.RECEIVE:
        return dossier
    action = "request_supplement" if outcome is Outcome.SUPPLEMENT else "refuse"
    return services.perform(actor=actor, code=dossier.code, action=action,
                            params=services.ActionParams(reason=reason.strip()), now=now)


def earlier_intake(actor: User, idempotency_key: str) -> Dossier | None:
    """The dossier an intake form with this token already created, if any."""
    return replay(actor, idempotency_key, INTAKE_HASH) if idempotency_key else None


# ---- the queue of dossiers awaiting the desk -----------------------------------------------------------


class Queue(StrEnum):
    SUBMITTED = "submitted"  # status 1: to accept, send back for supplement, or refuse
    SUPPLEMENT = "supplement"  # status 5 before receipt: waiting for the applicant's documents


QUEUE_STATUS = {Queue.SUBMITTED: Status.SUBMITTED, Queue.SUPPLEMENT: Status.AWAITING_SUPPLEMENT}


def receiving_unit_ids(user: User | AnonymousUser) -> list[int]:
    """Ids of the units where `user` receives dossiers: resolved once, then a literal IN list lets the
    planner use the per-unit index."""
    return list(units_for(user, Action.DOSSIER_RECEIVE).values_list("pk", flat=True)[:1000])


def review_queue(user: User | AnonymousUser, queue: Queue = Queue.SUBMITTED, channel: int | None = None,
                 *, unit_ids: list[int] | None = None) -> QuerySet[Dossier]:
    """Dossiers not yet received at the desks `user` receives for, oldest submission first."""
    ids = receiving_unit_ids(user) if unit_ids is None else unit_ids
    qs = Dossier.objects.filter(receiving_unit_id__in=ids, status=QUEUE_STATUS[queue], received_at__isnull=True)
    if channel is not None:
        qs = qs.filter(channel=channel)
    return qs.select_related("procedure", "receiving_unit").order_by("submitted_at", "pk")


def queue_counts(user: User | AnonymousUser, *, unit_ids: list[int] | None = None) -> dict[str, int]:
    """How many dossiers each queue holds (one indexed count per queue)."""
    ids = receiving_unit_ids(user) if unit_ids is None else unit_ids
    return {q.value: Dossier.objects.filter(receiving_unit_id__in=ids, status=QUEUE_STATUS[q],
                                            received_at__isnull=True).count() for q in Queue}


def dossier_for_desk(user: User | AnonymousUser, code: str) -> Dossier | None:
    """A dossier received (or to be received) at a desk where `user` receives; None otherwise."""
    return (Dossier.objects.filter(code=code, receiving_unit_id__in=receiving_unit_ids(user))
            .select_related("procedure", "receiving_unit", "competent_unit", "current_unit").first())


def intake_counter(dossier: Dossier) -> Counter | None:
    """The counter recorded with the dossier's receipt (else its registration) at the desk, if any."""
    payloads = (DossierEvent.objects.filter(dossier=dossier, action__in=("receive", "submit_online"))
                .order_by("-seq").values_list("payload", flat=True)[:2])
    number = next((p["counter"] for p in payloads if isinstance(p, dict) and p.get("counter")), None)
    if number is None:
        return None
    return Counter.objects.filter(unit_id=dossier.receiving_unit_id, number=number).first()


def last_reason(dossier: Dossier, action: str) -> str:
    """The reason recorded with the latest `action` event of `dossier` (the supplement list, the refusal)."""
    payload = (DossierEvent.objects.filter(dossier=dossier, action=action).order_by("-seq")
               .values_list("payload", flat=True).first()) or {}
    return str(payload.get("reason", ""))
