"""Side effects of dossier events, run by task workers after the transaction commits.

At-least-once: a task may run twice, so each consumer is idempotent: a notification is written to the
`Notification` delivery log (unique per event and channel) before the message goes out.
"""

from __future__ import annotations

import logging

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
    if event.action in NOTIFIED_ACTIONS:
        transaction.on_commit(lambda: notify_applicant.enqueue(event.pk))


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
