"""Side effects of dossier events, run by task workers after the transaction commits.

At-least-once: a task may run twice, so each consumer is idempotent: a notification is written to the
`Notification` delivery log (unique per event and channel) before the message goes out.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from motcua.dossiers.models import DossierEvent, Notification

log = logging.getLogger(__name__)

# Events the applicant is told about by e-mail.
NOTIFIED_ACTIONS = {
    "receive": "received",
    "accept": "received",
    "request_supplement": "supplement",
    "refuse": "refused",
    "record_result": "resolved",
    "apologise": "apology",
    "stop": "stopped",
}


def schedule_event_side_effects(event: DossierEvent) -> None:
    if _notifies(event):
        _enqueue_with(notify_applicant, event.pk)


def _notifies(event: DossierEvent) -> bool:
    return event.action in NOTIFIED_ACTIONS and bool(event.dossier.applicant_email)


def _database_queue(task: Any) -> bool:
    return task.get_backend().__class__.__name__ == "DatabaseBackend"


def _enqueue_with(task: Any, *args: Any) -> None:
    """Enqueue `task` so that it runs once the current transaction has committed, and only then.

    With the database queue (`django_tasks_db`, the default) the task row is written in the same transaction
    as the event: the pair commits or rolls back together (a transactional outbox: no side effect lost if the
    process dies right after the commit, no second commit per request), and workers only see the row after
    the commit. Any other backend (a broker, the immediate backend of the tests) is called after the commit.
    """
    if _database_queue(task) and transaction.get_connection().in_atomic_block:
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def outbox_rows(event: DossierEvent) -> list[Any] | None:
    """The task rows `schedule_event_side_effects(event)` would write with the database queue, built but not
    saved, for a caller that writes them in its own statement (the one-statement intake); then call
    `announce(rows)`. None when the queue is another backend: call `schedule_event_side_effects` instead,
    after the statement.
    """
    if not _notifies(event):
        return []
    if not _database_queue(notify_applicant):
        return None
    backend: Any = notify_applicant.get_backend()
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult

    backend.validate_task(notify_applicant)
    # As django_tasks_db's DatabaseBackend._task_to_db_task builds it (the tests compare the two rows).
    return [DBTaskResult(
        id=backend._get_id(), args_kwargs=normalize_json({"args": [event.pk], "kwargs": {}}),
        priority=notify_applicant.priority, task_path=notify_applicant.module_path,
        queue_name=notify_applicant.queue_name, run_after=notify_applicant.run_after, backend_name=backend.alias,
    )]


def announce(rows: list[Any]) -> None:
    """Send `task_enqueued` for task rows written by `outbox_rows`' caller, as `Task.enqueue` does."""
    from django_tasks_db.compat import task_enqueued

    for row in rows:
        task_enqueued.send(notify_applicant.get_backend().__class__, task_result=row.task_result)


@task()
def notify_applicant(event_id: int) -> str:
    """E-mail the applicant about an event (once per event, however often the task runs)."""
    event = DossierEvent.objects.select_related("dossier").filter(pk=event_id).first()
    if event is None:
        return "missing"
    dossier = event.dossier
    if not dossier.applicant_email:
        return "no-address"
    try:
        with transaction.atomic():
            Notification.objects.create(event=event, channel=Notification.Channel.EMAIL)
    except IntegrityError:
        return "already-sent"
    kind = NOTIFIED_ACTIONS[event.action]
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            "received": _("Dossier %(code)s has been received"),
            "supplement": _("Dossier %(code)s: please supplement your dossier"),
            "refused": _("Dossier %(code)s was not received"),
            "resolved": _("Dossier %(code)s: the result is ready"),
            "apology": _("Dossier %(code)s: apology and new appointment"),
            "stopped": _("Dossier %(code)s: processing stopped"),
        }
        subject = subjects[kind] % {"code": dossier.code}
        body = _("Dossier %(code)s — %(procedure)s.\nLook it up at any time with its code.") % {
            "code": dossier.code, "procedure": dossier.procedure.name}
        if dossier.due_at:
            local = timezone.localtime(dossier.due_at)
            body += "\n" + _("Appointment: %(due)s") % {"due": local.strftime("%H:%M %d/%m/%Y")}
        reason = event.payload.get("reason")
        if reason:
            body += "\n" + _("Details: %(reason)s") % {"reason": reason}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [dossier.applicant_email])
    log.info("notified applicant of dossier event %s (%s)", event.pk, event.action)
    return "sent"


# ---- lateness alerts (motcua.dossiers.alerts) --------------------------------------------------------------


@task()
def scan_lateness_alerts() -> dict[str, int]:
    """The periodic lateness scan (every 15 minutes; `motcua alerts run --enqueue` puts it on the queue)."""
    from motcua.dossiers.alerts import run_scan

    return run_scan().raised


@task()
def notify_lateness_alert(alert_id: int) -> str:
    """E-mail an alert to the officer holding the step and the unit's leaders (once each)."""
    from motcua.dossiers.alerts import notify_alert

    return notify_alert(alert_id)
