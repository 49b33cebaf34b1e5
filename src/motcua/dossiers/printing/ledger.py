"""Form 07, the dossier ledger (sổ theo dõi hồ sơ) of a desk for a period: one row per dossier received.

The rows are the dossiers the desk (`receiving_unit`) received in the period, read through the unit-scoped
`visible_dossiers` and the (receiving_unit, received_at) index, ordered by receipt, one page of at most
`LEDGER_PAGE_ROWS` per PDF (`page` numbers the next ones; the row numbers continue).

A counter narrows the ledger to the dossiers whose receipt event records that counter number in its
payload (`"counter": 2`), which is how a counter reception screen says where a dossier was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers import selectors
from motcua.dossiers.printing import text
from motcua.dossiers.printing.forms import RECEIPT_ACTIONS, FormSpec, header_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import Counter, Unit, User

LEDGER_PAGE_ROWS = 200
LEDGER_MAX_DAYS = 366
LEDGER = FormSpec("07", "dossiers/print/07_ledger.html", gettext_lazy("Dossier ledger"), "so-theo-doi-ho-so")


@dataclass(frozen=True)
class LedgerRow:
    number: int
    code: str
    applicant: str
    procedure: str
    competent_unit: str
    received_at: str
    due_at: str
    returned_at: str
    status: str
    timeliness: str
    timeliness_code: str


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def ledger_context(user: User | AnonymousUser, unit: Unit, date_from: date, date_to: date, *,
                   counter: Counter | None = None, page: int = 1, now: datetime | None = None) -> dict[str, Any]:
    """Form 07 for `unit` (which the caller checked `user` may see) and the days `date_from`..`date_to`."""
    now = now or timezone.now()
    qs = selectors.visible_dossiers(user).filter(
        receiving_unit=unit, received_at__gte=_start_of(date_from), received_at__lt=_start_of(date_to + timedelta(1)))
    if counter is not None:
        qs = qs.filter(events__action__in=RECEIPT_ACTIONS, events__payload__counter=counter.number)
    total = qs.count()
    offset = (page - 1) * LEDGER_PAGE_ROWS
    dossiers = list(
        qs.select_related("procedure", "competent_unit")
        .only("code", "applicant_name", "procedure__name", "competent_unit__name", "received_at", "due_at",
              "returned_at", "status", "original_due_at", "finished_at", "paused_at", "forced_late")
        .order_by("received_at", "pk")[offset:offset + LEDGER_PAGE_ROWS]
    )
    rows = []
    for number, d in enumerate(dossiers, start=offset + 1):
        judged = d.timeliness_at(now)
        rows.append(LedgerRow(
            number, d.code, d.applicant_name, d.procedure.name, d.competent_unit.name, text.short(d.received_at),
            text.short(d.due_at), text.short(d.returned_at), str(d.get_status_display()),
            text.timeliness_label(judged), judged.value if judged else ""))
    pages = max(1, -(-total // LEDGER_PAGE_ROWS))
    return {
        "form": LEDGER, "title": LEDGER.title, "header": header_for(unit, now), "unit": unit, "counter": counter,
        "period": _("From %(start)s to %(end)s") % {"start": date_from.strftime("%d/%m/%Y"),
                                                    "end": date_to.strftime("%d/%m/%Y")},
        "rows": rows, "total": total, "page": page, "pages": pages,
        "first": offset + 1 if rows else 0, "last": offset + len(rows), "printed_at": text.clock(now),
    }
