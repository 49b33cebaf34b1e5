"""Lateness alerts: the periodic scan, the e-mails to the officer and the unit's leaders, the officer's alert
list and the apology draft.

The rules are pure (`motcua.dossiers.domain.alerts`); this module finds the dossiers they apply to and
records what it did.

**The scan** (`run_scan`, run every 15 minutes by `motcua alerts run` or the task `scan_lateness_alerts`)
makes one indexed query per alert kind for the candidates' ids, then reads and judges them in batches of
`BATCH` rows:

* at risk: the worklist's own "at risk" tab over every unit (`worklists.tab_queryset`: `at_risk_from <=
  now`, not overdue, per unit and status on the worklist indexes);
* apology due: `status = 4` (the clock runs), not apologised, `at_risk_from <= now` and `due_at` in the
  range where the apology margin can be between 0 and the lead time on some unit's calendar — from
  `now + 8 h` (working time never exceeds wall time) to the latest "now + 8 h + lead" of the calendars in
  use (the `(status, due_at)` index); each candidate is then judged by the pure rule on its own calendar.

Both queries leave out the dossiers already alerted for the same kind and appointment (`NOT EXISTS` on the
unique `(dossier, kind, due_at)` of `LatenessAlert`), so a run every 15 minutes alerts each (dossier, kind,
appointment) once, and again when the appointment moves (a supplement, a payment pause, an apology).
Concurrent runs are safe: the unique constraint decides, the loser skips.

**Recipients**: the officer holding the current step, and the leaders of the unit holding the dossier (role
`leader` held at that unit; if it has none, at its nearest ancestor that has some — a division's dossiers
go to its department's leaders, never to every leader of the province). Each gets one e-mail per alert
(`notify_alert`, claimed in `LatenessAlertRecipient.emailed_at` before sending) and sees the alert in the
back-office "Alerts" list while it is open (`open_alerts_for`).

**Apology draft**: an apology alert carries the last moment for an apology and the proposed new date (the
remaining steps' shares from now on the working calendar). The dossier page shows it, prefills the apology
form of those who may apologise (leaders) and offers a Mẫu 04 preview marked as a draft. The apology
itself stays an explicit action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.domain.permissions import Action, Role
from motcua.core.models import RoleAssignment, Unit
from motcua.core.permissions import units_for
from motcua.dossiers.domain import ONE_WORKING_DAY, DossierState, state_from_json
from motcua.dossiers.domain.alerts import DEFAULT_APOLOGY_LEAD, AlertKind, LatenessVerdict, evaluate
from motcua.dossiers.models import Dossier, LatenessAlert, LatenessAlertRecipient
from motcua.dossiers.worklists import Tab, WorklistScope, tab_queryset
from motcua.workcalendar.domain import WorkCalendar
from motcua.workcalendar.selectors import calendar_for_unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

log = logging.getLogger(__name__)

BATCH = 500
PAGE_SIZE = 50
IN_PROCESSING = (4, 5, 6)
REASON_PLACEHOLDER = gettext_lazy("[Reason for the delay: to be written by the officer before signing]")

Progress = Callable[[str, int, int], None]  # (kind, dossiers checked, alerts raised)


def lead_time() -> timedelta:
    """The apology alert's lead time: `MOTCUA_APOLOGY_ALERT_LEAD_HOURS` working hours (default 4)."""
    hours = getattr(settings, "MOTCUA_APOLOGY_ALERT_LEAD_HOURS", None)
    return DEFAULT_APOLOGY_LEAD if hours is None else timedelta(hours=float(hours))


# ---- the scan ---------------------------------------------------------------------------------------------


@dataclass
class ScanReport:
    now: datetime
    checked: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in AlertKind})
    raised: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in AlertKind})
    alert_ids: list[int] = field(default_factory=list)

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())


def _not_alerted(qs: QuerySet[Dossier], kind: AlertKind) -> QuerySet[Dossier]:
    already = LatenessAlert.objects.filter(dossier_id=OuterRef("pk"), kind=kind.value, due_at=OuterRef("due_at"))
    return qs.filter(~Exists(already))


def _calendars_in_use() -> list[WorkCalendar]:
    """One calendar per distinct office hours of the units (a handful), national days included."""
    seen: dict[str, WorkCalendar] = {}
    for unit in Unit.objects.order_by().only("pk", "office_hours").iterator(chunk_size=2000):
        key = repr(unit.office_hours)
        if key not in seen:
            seen[key] = calendar_for_unit(unit)
    return list({id(c): c for c in seen.values()}.values()) or [calendar_for_unit(None)]


def at_risk_candidates(now: datetime) -> QuerySet[Dossier]:
    """Dossiers of the worklist's "at risk" tab (every unit) not yet alerted for their current appointment."""
    units = tuple(Unit.objects.order_by("pk").values_list("pk", flat=True))
    scope = WorklistScope(user_id=None, unit_ids=units, approve_unit_ids=frozenset(), now=now, day_end=now)
    return _not_alerted(tab_queryset(scope, Tab.AT_RISK), AlertKind.AT_RISK)


def apology_candidates(now: datetime, lead: timedelta) -> QuerySet[Dossier]:
    """Dossiers whose apology margin may lie in [0, lead] now (a superset; the pure rule decides), at risk and
    not alerted yet for their current appointment."""
    low = now + ONE_WORKING_DAY
    high = low
    for calendar in _calendars_in_use():
        try:
            high = max(high, calendar.next_opening(calendar.add_working_time(now, ONE_WORKING_DAY + lead)))
        except ValueError:  # beyond the calendar's range: nothing can be judged there
            continue
    qs = Dossier.objects.filter(status=4, apologised=False, at_risk_from__lte=now, due_at__gte=low,
                                due_at__lte=high)
    return _not_alerted(qs, AlertKind.APOLOGY_DUE)


def run_scan(*, now: datetime | None = None, lead: timedelta | None = None, batch_size: int = BATCH,
             progress: Progress | None = None) -> ScanReport:
    """Raise the alerts due at `now` (default: now); each new alert is e-mailed after its commit."""
    now = now or timezone.now()
    lead = lead_time() if lead is None else lead
    report = ScanReport(now=now)
    plans: list[tuple[AlertKind, QuerySet[Dossier]]] = [
        (AlertKind.AT_RISK, at_risk_candidates(now)),
        (AlertKind.APOLOGY_DUE, apology_candidates(now, lead)),
    ]
    for kind, candidates in plans:
        # One query per kind for the candidates' ids (unordered: an ORDER BY id LIMIT could make the planner
        # walk the primary key over every dossier looking for a few candidates), then batches of rows.
        ids = sorted(candidates.order_by().values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            _raise_batch(kind, ids[start:start + batch_size], now, lead, report)
            if progress is not None:
                progress(kind.value, report.checked[kind.value], report.raised[kind.value])
            log.info("lateness scan %s: %d checked, %d alerts raised", kind.value, report.checked[kind.value],
                     report.raised[kind.value])
    log.info("lateness scan at %s done: %s", now.isoformat(), report.raised)
    return report


def _raise_batch(kind: AlertKind, ids: list[int], now: datetime, lead: timedelta, report: ScanReport) -> None:
    dossiers = list(Dossier.objects.filter(pk__in=ids).select_related("receiving_unit", "current_unit")
                    .order_by("pk"))
    leaders = _leaders_by_unit({d.current_unit for d in dossiers})
    for dossier in dossiers:
        report.checked[kind.value] += 1
        state = state_from_json(dossier.state)
        verdict = evaluate(state, now, calendar_for_unit(dossier.receiving_unit), lead)
        if kind not in verdict.kinds:
            continue
        alert = _raise(dossier, kind, verdict, now, state_step_name(state), leaders.get(dossier.current_unit_id, []))
        if alert is not None:
            report.raised[kind.value] += 1
            report.alert_ids.append(alert.pk)


def state_step_name(state: DossierState) -> str:
    step = state.step
    return str(step.name) if step is not None else ""


def _raise(dossier: Dossier, kind: AlertKind, verdict: LatenessVerdict, now: datetime, step_name: str,
           leaders: list[int]) -> LatenessAlert | None:
    """Record the alert and its recipients; None when another run recorded it first."""
    assert dossier.due_at is not None
    try:
        with transaction.atomic():
            alert = LatenessAlert.objects.create(
                dossier=dossier, kind=kind.value, due_at=dossier.due_at, unit_id=dossier.current_unit_id,
                holder_id=dossier.current_holder_id, step_name=step_name[:300], raised_at=now,
                apology_deadline=verdict.apology_deadline if kind is AlertKind.APOLOGY_DUE else None,
                proposed_due_at=verdict.proposed_due_at if kind is AlertKind.APOLOGY_DUE else None,
                needed_seconds=int(verdict.needed.total_seconds()),
            )
            rows = {}
            if dossier.current_holder_id is not None:
                rows[dossier.current_holder_id] = LatenessAlertRecipient.Reason.HOLDER
            for user_id in leaders:
                rows.setdefault(user_id, LatenessAlertRecipient.Reason.LEADER)
            LatenessAlertRecipient.objects.bulk_create(
                [LatenessAlertRecipient(alert=alert, user_id=u, reason=r) for u, r in rows.items()])
            _enqueue_notification(alert.pk)  # with the database queue: in this transaction (an outbox)
    except IntegrityError:
        return None
    return alert


def _enqueue_notification(alert_id: int) -> None:
    """The e-mail task, enqueued so that it runs only once the alert has committed."""
    from motcua.dossiers.tasks import _enqueue_with, notify_lateness_alert

    _enqueue_with(notify_lateness_alert, alert_id)


def _leaders_by_unit(units: Iterable[Unit]) -> dict[int, list[int]]:
    """Active leaders of each unit: those holding the role at the unit, else at its nearest ancestor that has
    some (one query for the whole batch)."""
    units = list(units)
    codes = {code for u in units for code in u.path.split("/") if code}
    by_code: dict[str, list[int]] = {}
    for user_id, code in (RoleAssignment.objects.filter(role=Role.LEADER.value, unit__code__in=codes,
                                                        user__is_active=True)
                          .order_by("user_id").values_list("user_id", "unit__code")):
        by_code.setdefault(code, []).append(user_id)
    result: dict[int, list[int]] = {}
    for unit in units:
        path = [code for code in unit.path.split("/") if code]
        result[unit.pk] = next((by_code[code] for code in reversed(path) if code in by_code), [])
    return result


# ---- e-mail -----------------------------------------------------------------------------------------------


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else "—"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def alert_still_open(alert: LatenessAlert, dossier: Dossier) -> bool:
    """Does the alert still apply (same appointment, still in processing, no apology given meanwhile)?"""
    if dossier.status not in IN_PROCESSING or dossier.due_at != alert.due_at:
        return False
    return not (alert.kind == AlertKind.APOLOGY_DUE.value and dossier.apologised)


def message_for(alert: LatenessAlert) -> tuple[str, str]:
    """(subject, body) of the e-mail, in the installation's language (Vietnamese)."""
    dossier = alert.dossier
    link = f"{str(settings.MOTCUA_PUBLIC_URL).rstrip('/')}{reverse('backoffice:dossier_detail', args=[dossier.code])}"
    facts = {"code": dossier.code, "procedure": dossier.procedure.name, "unit": alert.unit.name,
             "step": alert.step_name or "—", "due": _local(alert.due_at), "hours": _hours(alert.needed_seconds),
             "deadline": _local(alert.apology_deadline), "proposed": _local(alert.proposed_due_at), "link": link}
    if alert.kind == AlertKind.APOLOGY_DUE.value:
        subject = _("Dossier %(code)s: the last moment to apologise and set a new date is near") % facts
        lines = [
            _("Dossier %(code)s — %(procedure)s.") % facts,
            _("Held by: %(unit)s, step “%(step)s”.") % facts,
            _("Appointment: %(due)s. At the current pace the remaining steps need %(hours)s more working hours: "
              "the dossier will be late.") % facts,
            _("An apology with a new date (form 04) must be given by %(deadline)s (one working day before the "
              "appointment); after that it is no longer possible.") % facts,
            _("A draft is ready on the dossier page, with the proposed new date %(proposed)s.") % facts,
        ]
    else:
        subject = _("Dossier %(code)s is at risk of being late") % facts
        lines = [
            _("Dossier %(code)s — %(procedure)s.") % facts,
            _("Held by: %(unit)s, step “%(step)s”.") % facts,
            _("Appointment: %(due)s. The remaining steps need %(hours)s working hours, more than is left.") % facts,
        ]
    lines += ["", _("Open the dossier: %(link)s") % facts]
    return subject, "\n".join(lines)


def notify_alert(alert_id: int) -> str:
    """E-mail each recipient of the alert once (claimed before sending; released if sending fails)."""
    alert = (LatenessAlert.objects.select_related("dossier__procedure", "unit").filter(pk=alert_id).first())
    if alert is None:
        return "missing"
    if not alert_still_open(alert, alert.dossier):
        return "stale"
    pending = list(alert.recipients.select_related("user").filter(emailed_at__isnull=True).order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = message_for(alert)
    sent = 0
    connection = None
    for recipient in pending:
        user = recipient.user
        if not user.email or not user.is_active:
            continue
        claimed = LatenessAlertRecipient.objects.filter(pk=recipient.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now())
        if not claimed:
            continue
        try:
            connection = connection or get_connection()
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection).send()
        except Exception:
            LatenessAlertRecipient.objects.filter(pk=recipient.pk).update(emailed_at=None)
            raise
        sent += 1
    log.info("lateness alert %s (%s, dossier %s): %d e-mail(s)", alert.pk, alert.kind, alert.dossier.code, sent)
    return f"sent {sent}"


# ---- the officer's alert list and the apology draft ------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    pk: int
    kind: str
    kind_label: str
    code: str
    procedure: str
    unit: str
    step: str
    due_at: datetime
    raised_at: datetime
    apology_deadline: datetime | None
    proposed_due_at: datetime | None
    apology_passed: bool


@dataclass(frozen=True)
class AlertPage:
    rows: list[AlertRow]
    next_before: int | None  # the `before` of the next (older) page


def open_alerts_for(user: User | AnonymousUser, *, now: datetime | None = None, before: int | None = None,
                    limit: int = PAGE_SIZE) -> AlertPage:
    """The open alerts of `user`, newest first, keyset-paginated on the alert id.

    An alert is the user's when they were told about it or now hold the dossier's current step; it is open
    while the dossier is in processing with the same appointment, still at risk, and (apology) not
    apologised. Only dossiers held by the user's units are listed (unit ids resolved once, in SQL).
    """
    if not user.is_authenticated:
        return AlertPage([], None)
    now = now or timezone.now()
    unit_ids = list(units_for(user, Action.DOSSIER_VIEW).values_list("pk", flat=True))
    if not unit_ids:
        return AlertPage([], None)
    base = (LatenessAlert.objects
            .filter(dossier__current_unit_id__in=unit_ids, dossier__status__in=IN_PROCESSING,
                    dossier__due_at=F("due_at"), dossier__at_risk_from__lte=now)
            .exclude(kind=AlertKind.APOLOGY_DUE.value, dossier__apologised=True))
    if before is not None:
        base = base.filter(pk__lt=before)
    # Two newest-first reads merged here (an OR of the two would make PostgreSQL join every alert of the
    # units before sorting: 130–500 ms for a leader told about 2,000 of 12,000 alerts at 1M dossiers), and only
    # the columns the page shows (never the dossier's state).
    told = LatenessAlertRecipient.objects.filter(user_id=user.pk).values("alert_id")
    found: dict[int, LatenessAlert] = {}
    for qs in (base.filter(pk__in=told), base.filter(dossier__current_holder_id=user.pk)):
        for a in (qs.select_related("dossier__procedure", "unit")
                  .only("pk", "kind", "step_name", "due_at", "raised_at", "apology_deadline", "proposed_due_at",
                        "dossier__code", "dossier__procedure__name", "unit__name")
                  .order_by("-pk")[: limit + 1]):
            found[a.pk] = a
    alerts = [found[pk] for pk in sorted(found, reverse=True)][: limit + 1]
    more = len(alerts) > limit
    labels = dict(LatenessAlert.Kind.choices)
    rows = [AlertRow(
        pk=a.pk, kind=a.kind, kind_label=str(labels.get(a.kind, a.kind)), code=a.dossier.code,
        procedure=a.dossier.procedure.name, unit=a.unit.name, step=a.step_name, due_at=a.due_at,
        raised_at=a.raised_at, apology_deadline=a.apology_deadline, proposed_due_at=a.proposed_due_at,
        apology_passed=a.apology_deadline is not None and a.apology_deadline < now,
    ) for a in alerts[:limit]]
    return AlertPage(rows, rows[-1].pk if more and rows else None)


def apology_draft(dossier: Dossier) -> LatenessAlert | None:
    """The apology draft of the dossier's current appointment, if the scan prepared one (one indexed query)."""
    if dossier.apologised or dossier.status not in IN_PROCESSING or dossier.due_at is None:
        return None
    return (LatenessAlert.objects.filter(dossier=dossier, kind=AlertKind.APOLOGY_DUE.value, due_at=dossier.due_at,
                                         proposed_due_at__isnull=False).order_by("-pk").first())


def apology_draft_context(dossier: Dossier, draft: LatenessAlert, now: datetime | None = None) -> dict[str, Any]:
    """The Mẫu 04 template context for a preview of the draft (not an issued form: marked as a draft)."""
    from motcua.dossiers.printing import FORMS
    from motcua.dossiers.printing import text as print_text
    from motcua.dossiers.printing.forms import _base

    now = now or timezone.now()
    ctx = _base(dossier, FORMS["04"], dossier.current_unit, now)
    ctx.update({
        "event": None, "draft": True, "reason": str(REASON_PLACEHOLDER), "officer": "",
        "received_on": print_text.long_date(dossier.received_at) if dossier.received_at else "",
        "due_before": print_text.clock(dossier.due_at), "new_due": print_text.clock(draft.proposed_due_at),
    })
    return ctx
