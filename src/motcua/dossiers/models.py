"""Dossiers, their components, files, step executions and the append-only event log. Data and constraints only.

Workflow fields are written by `motcua.dossiers.services` only (the admin shows them read-only).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    DIRECT = 1, _("At the counter")
    ONLINE = 2, _("Online")
    POSTAL = 3, _("Public postal service")


class Status(models.IntegerChoices):
    """TrangThaiHoSo of the national portal."""

    SUBMITTED = 1, _("Submitted")
    RECEIVED = 2, _("Received")
    NOT_RECEIVED = 3, _("Not received (refused)")
    PROCESSING = 4, _("Processing")
    AWAITING_SUPPLEMENT = 5, _("Awaiting supplement")
    AWAITING_PAYMENT = 6, _("Awaiting payment of financial obligations")
    WITHDRAWN = 7, _("Withdrawn")
    STOPPED = 8, _("Stopped")
    RESOLVED = 9, _("Resolved (result ready)")
    RETURNED = 10, _("Result returned")


class ApplicantKind(models.IntegerChoices):
    """LoaiDoiTuong of the national portal."""

    CITIZEN = 1, _("Citizen")
    BUSINESS = 2, _("Business / organisation")
    STATE_AGENCY = 3, _("State agency")
    OTHER = 4, _("Other")


class StoredFile(models.Model):
    """A file's bytes, content-addressed by SHA-256 in Django storage; never overwritten."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    storage_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.content_type}, {self.size} B)"


class DossierCodeSequence(models.Model):
    """Last number used in a dossier code, per receiving unit and local day (gap-free under concurrency)."""

    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="dossier_code_seq_unit_day")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.day}: {self.last}"


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=40, unique=True)
    procedure = models.ForeignKey("catalog.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT,
                                  related_name="dossiers")
    receiving_unit = models.ForeignKey("core.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT,
                                       related_name="received_dossiers")
    competent_unit = models.ForeignKey("core.Unit", verbose_name=_("competent unit"), on_delete=models.PROTECT,
                                       related_name="competent_dossiers")
    # Unit holding the dossier now (the current step's unit): the worklists filter on it.
    current_unit = models.ForeignKey("core.Unit", verbose_name=_("current unit"), on_delete=models.PROTECT,
                                     related_name="held_dossiers")
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    current_step = models.PositiveSmallIntegerField(_("current step"), null=True, blank=True)
    current_holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    applicant_kind = models.PositiveSmallIntegerField(_("applicant kind"), choices=ApplicantKind.choices,
                                                      default=ApplicantKind.CITIZEN)
    applicant_name = models.CharField(_("applicant"), max_length=255)
    applicant_id_number = models.CharField(_("ID number"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    due_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("original appointment"), null=True, blank=True)
    promised_due_at = models.DateTimeField(_("new appointment (apology)"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Worklist columns, set by the services at each transition from the pure rules (None: not before the
    # next change): from when the dossier is at risk of lateness (`at_risk_from`) and overdue
    # (`overdue_from`), and whether it waits for a leader's approval. The worklists compare them in SQL.
    at_risk_from = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_from = models.DateTimeField(null=True, blank=True, editable=False)
    awaiting_approval = models.BooleanField(default=False, editable=False)
    supplement_requests = models.PositiveSmallIntegerField(default=0)
    forced_late = models.BooleanField(default=False)
    apologised = models.BooleanField(default=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    result_electronic = models.BooleanField(_("electronic result"), default=False)

    vneid_verified = models.BooleanField(_("account verified with VNeID"), default=False)
    synced_to_national_portal = models.BooleanField(default=False)
    fee_total = models.PositiveBigIntegerField(_("fees (VND)"), default=0)
    paid_online = models.BooleanField(_("paid online"), default=False)
    # Domain state snapshot the pure rules work on (steps, pauses…), kept in step with the columns.
    state = models.JSONField(default=dict, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            # Worklists: a unit's dossiers in a status, by due time.
            models.Index(fields=["current_unit", "status", "due_at"], name="dossier_worklist_idx"),
            # Worklists (motcua.dossiers.worklists): overdue and at risk (one range per unit and status), the
            # open dossiers of a unit in each sort order (on PostgreSQL the received/code ones are covering,
            # see migration 0003), and the small sets (approval, status 4, paused, forced late) by due time.
            models.Index(fields=["current_unit", "status", "overdue_from"], name="dossier_worklist_overdue_idx"),
            models.Index(fields=["current_unit", "status", "at_risk_from", "overdue_from"],
                         name="dossier_worklist_risk_idx"),
            models.Index(fields=["current_unit", "due_at", "id"], condition=Q(status__in=(1, 2, 4, 5, 6, 9)),
                         name="dossier_open_due_idx"),
            models.Index(fields=["current_unit", "received_at", "id"], condition=Q(status__in=(1, 2, 4, 5, 6, 9)),
                         name="dossier_open_received_idx"),
            models.Index(fields=["current_unit", "code"], condition=Q(status__in=(1, 2, 4, 5, 6, 9)),
                         name="dossier_open_code_idx"),
            models.Index(fields=["current_unit", "due_at", "id"], condition=Q(awaiting_approval=True),
                         name="dossier_approval_idx"),
            models.Index(fields=["current_unit", "due_at", "id"], condition=Q(status=4),
                         name="dossier_processing_due_idx"),
            models.Index(fields=["current_unit", "due_at", "id"], condition=Q(status__in=(5, 6)),
                         name="dossier_paused_due_idx"),
            models.Index(fields=["current_unit", "due_at", "id"], condition=Q(forced_late=True, status__in=(4, 5, 6)),
                         name="dossier_forced_late_idx"),
            models.Index(fields=["competent_unit", "status", "due_at"], name="dossier_competent_idx"),
            models.Index(fields=["receiving_unit", "received_at"], name="dossier_receiving_idx"),
            models.Index(fields=["status", "due_at"], name="dossier_status_due_idx"),
            models.Index(fields=["procedure", "received_at"], name="dossier_procedure_idx"),
            models.Index(fields=["applicant_id_number"], name="dossier_applicant_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__gte=1, status__lte=10), name="dossier_status_range"),
            models.CheckConstraint(condition=Q(channel__gte=1, channel__lte=3), name="dossier_channel_range"),
        ]

    def __str__(self) -> str:
        return self.code

    def timeliness_at(self, at: Any) -> Any:
        """The rules' `timeliness_of(state, at)` from the row's columns (the state JSON is not needed)."""
        from motcua.dossiers.domain import timeliness_from

        return timeliness_from(self.status, self.original_due_at, self.finished_at, self.paused_at,
                               self.forced_late, at)


class DossierComponent(models.Model):
    """One required document of a dossier (thành phần hồ sơ) and the files attached to it."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        CERTIFIED_COPY = "certified_copy", _("Certified copy")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    required_document = models.ForeignKey("catalog.RequiredDocument", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=500)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.COPY)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    digitized = models.BooleanField(_("digitized"), default=False)
    reused = models.BooleanField(_("reused from an earlier result"), default=False)
    from_citizen_store = models.BooleanField(_("taken from the citizen's data store"), default=False)
    files = models.ManyToManyField(StoredFile, blank=True, related_name="components")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")
        ordering = ["dossier", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class StepExecution(models.Model):
    """Who held a dossier at a step, from when to when, against which due time (Mẫu 06 rows)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=30)
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    share_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "index", "pk"]
        indexes = [
            models.Index(fields=["unit", "finished_at"], name="step_unit_idx"),
            models.Index(fields=["holder", "finished_at"], name="step_holder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.index} {self.name}"


class AppendOnlyError(Exception):
    pass


class DossierEvent(models.Model):
    """Append-only: audit trail, process control sheet source and outbox. Never updated or deleted."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    from_status = models.PositiveSmallIntegerField(null=True, blank=True)
    to_status = models.PositiveSmallIntegerField()
    from_step = models.PositiveSmallIntegerField(null=True, blank=True)
    to_step = models.PositiveSmallIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq")]
        indexes = [models.Index(fields=["recorded_at"], name="dossier_event_outbox_idx")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("dossier events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("dossier events are append-only")


class IdempotencyKey(models.Model):
    """Remembers the answer to a create request so a retried request creates nothing new."""

    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """Delivery log of applicant notifications: one per event and channel (idempotent consumers)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    event = models.ForeignKey(DossierEvent, on_delete=models.PROTECT, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notification_once")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.channel}"


class LatenessAlert(models.Model):
    """A lateness alert raised by the periodic scan (`motcua.dossiers.alerts`): once per dossier, kind and
    appointment (`due_at`, the "due version": a moved appointment raises it again). An apology alert carries
    the apology draft: the last moment for an apology and the proposed new date."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", _("At risk of lateness")
        APOLOGY_DUE = "apology_due", _("Apology deadline approaching")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="lateness_alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()  # the appointment the alert was raised against
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")  # holding the dossier then
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    step_name = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField()  # the scan's "now"
    apology_deadline = models.DateTimeField(null=True, blank=True)
    proposed_due_at = models.DateTimeField(null=True, blank=True)  # apology draft: the new date
    needed_seconds = models.PositiveIntegerField(default=0)  # working time the remaining steps needed then

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "due_at"], name="lateness_alert_once")]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.kind}@{self.due_at:%Y-%m-%d %H:%M}"


class LatenessAlertRecipient(models.Model):
    """Who is told about an alert (the officer holding the step, the unit's leaders) and when the e-mail went
    out (claimed before sending: one e-mail per alert and officer, however often the task runs)."""

    class Reason(models.TextChoices):
        HOLDER = "holder", _("Holds the current step")
        LEADER = "leader", _("Leader of the unit")

    alert = models.ForeignKey(LatenessAlert, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="lateness_alert_recipient_once")]
        indexes = [models.Index(fields=["user", "alert"], name="lateness_alert_user_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id}"
