"""The procedure catalogue: fields, procedures, required documents, fees, process steps. Data and constraints.

Writers are in `motcua.catalog.services`, readers in `motcua.catalog.selectors`; the rules (fee
computation, step shares, time limits) are pure functions in `motcua.catalog.domain`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.catalog.domain.fees import FeeBasis, FeeKind
from motcua.catalog.domain.limits import exceeds, is_catalogue_limit
from motcua.catalog.domain.rows import Channel, Level, OnlineLevel, ResultKind, UnitRole
from motcua.catalog.domain.steps import RelativeUnit
from motcua.core.domain.permissions import Role
from motcua.workcalendar.domain import Limit, LimitKind


class LimitKinds(models.TextChoices):
    """The working calendar's `LimitKind` values, with labels for forms."""

    WORKING_DAYS = LimitKind.WORKING_DAYS.value, _("working days")
    WORKING_HOURS = LimitKind.WORKING_HOURS.value, _("working hours")
    CALENDAR_DAYS = LimitKind.CALENDAR_DAYS.value, _("calendar days")
    SAME_DAY = LimitKind.SAME_DAY.value, _("same working day (after 15:00: next working day)")


class Levels(models.TextChoices):
    PROVINCE = Level.PROVINCE.value, _("Province")
    COMMUNE = Level.COMMUNE.value, _("Commune")


class Channels(models.TextChoices):
    DIRECT = Channel.DIRECT.value, _("In person at the one-stop desk")
    ONLINE = Channel.ONLINE.value, _("Online")
    POSTAL = Channel.POSTAL.value, _("By public postal service")


class OnlineLevels(models.TextChoices):
    NONE = OnlineLevel.NONE.value, _("Not online")
    PARTIAL = OnlineLevel.PARTIAL.value, _("Partly online")
    FULL = OnlineLevel.FULL.value, _("Fully online")


class ResultKinds(models.TextChoices):
    PAPER = ResultKind.PAPER.value, _("Paper")
    ELECTRONIC = ResultKind.ELECTRONIC.value, _("Electronic")


class FeeKinds(models.TextChoices):
    FIXED = FeeKind.FIXED.value, _("Fixed amount")
    FREE = FeeKind.FREE.value, _("Free")
    TIERED_PAGE = FeeKind.TIERED_PAGE.value, _("Per page in tiers, with a cap per copy")


class FeeBases(models.TextChoices):
    DOSSIER = FeeBasis.DOSSIER.value, _("per dossier")
    COPY = FeeBasis.COPY.value, _("per copy")
    CASE = FeeBasis.CASE.value, _("per case")


class StepRoles(models.TextChoices):
    RECEPTION_OFFICER = Role.RECEPTION_OFFICER.value, _("Reception officer")
    SPECIALIST = Role.SPECIALIST.value, _("Specialist")
    LEADER = Role.LEADER.value, _("Leader")
    CLERK = Role.CLERK.value, _("Clerk")


class RelativeUnits(models.TextChoices):
    RECEIVING_DESK = RelativeUnit.RECEIVING_DESK.value, _("Receiving one-stop desk")
    COMPETENT_UNIT = RelativeUnit.COMPETENT_UNIT.value, _("Competent unit")
    COMPETENT_DIVISION = RelativeUnit.COMPETENT_DIVISION.value, _("Competent division")
    COMPETENT_UNIT_LEADER = RelativeUnit.COMPETENT_UNIT_LEADER.value, _("Leader of the competent unit")
    COORDINATING_UNIT = RelativeUnit.COORDINATING_UNIT.value, _("Coordinating unit")


class UnitRoles(models.TextChoices):
    COMPETENT = UnitRole.COMPETENT.value, _("Competent (resolves the dossier)")
    COORDINATING = UnitRole.COORDINATING.value, _("Coordinating (interconnected procedure)")
    RECEIVING = UnitRole.RECEIVING.value, _("Receiving (one-stop desk)")


def _kind_in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


# The kinds with an amount of at least 1 (all but the same working day, whose amount is 0).
_AMOUNT_KINDS = [kind for kind in LimitKinds.values if kind != LimitKinds.SAME_DAY]


def _form_limit(kind: str, amount: int | None) -> Limit | None:
    """The limit these field values make, or None when they make none a procedure can have."""
    if amount is None:
        return None
    try:
        limit = Limit(LimitKind(kind), amount)
    except ValueError:
        return None
    return limit if is_catalogue_limit(limit) else None


def _at_least_one() -> str:
    # Django's own (translated) message, as the former MinValueValidator(1) of the amount fields gave.
    return gettext("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": 1}


class Field(models.Model):
    """Lĩnh vực: the subject area of procedures (Hộ tịch, Chứng thực, Đất đai…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """Thủ tục hành chính, with the seven parts that Decree 63/2010 art. 8.2 makes mandatory."""

    code = models.CharField(
        _("national code"), max_length=20, unique=True,
        validators=[RegexValidator(r"^\d{1,2}\.\d{6}$", _("Write the national code like 1.001193."))],
    )
    name = models.CharField(_("name"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures")
    # Decree 63/2010 art. 8.2: (a) steps, (b) ways of submitting, (c) components (RequiredDocument),
    # (d) time limit, (đ) target subjects, (e) implementing agency, (g) result.
    steps_text = models.TextField(_("steps of implementation"))
    submission_channels = models.JSONField(_("ways of submitting"), default=list, blank=True)
    target_subjects = models.TextField(_("target subjects"))
    implementing_agency = models.CharField(_("implementing agency"), max_length=500)
    result = models.TextField(_("result"))
    result_kind = models.CharField(_("result kind"), max_length=12, choices=ResultKinds.choices,
                                   default=ResultKinds.PAPER)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    legal_limit_kind = models.CharField(_("legal time limit: kind"), max_length=8, choices=LimitKinds.choices)
    # The stored amount is the calendar's: at least 1 for wd/wh/d, 0 for the same working day.
    legal_limit_amount = models.PositiveIntegerField(
        _("legal time limit: amount"), help_text=_("Not used for the same working day (stored as 0)."),
    )
    internal_limit_kind = models.CharField(
        _("internal time limit: kind"), max_length=8, choices=LimitKinds.choices, blank=True,
        help_text=_("Optional shortened limit the province commits to; never longer than the legal one."),
    )
    internal_limit_amount = models.PositiveIntegerField(_("internal time limit: amount"), null=True, blank=True)
    time_limit_note = models.TextField(_("time limit note"), blank=True)
    online_level = models.CharField(_("online service level"), max_length=8, choices=OnlineLevels.choices,
                                    default=OnlineLevels.NONE)
    fee_note = models.TextField(_("fee note"), blank=True)
    is_demo_data = models.BooleanField(
        _("demo data"), default=False,
        help_text=_("Some values are not confirmed and must be checked against the national catalogue."),
    )
    demo_note = models.TextField(_("demo data note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Folded (diacritic-free, lower-case) code + name + field, kept by services; searched in SQL.
    search_text = models.CharField(max_length=1000, editable=False, db_index=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=_kind_in("legal_limit_kind", LimitKinds), name="procedure_legal_kind"),
            models.CheckConstraint(
                condition=(Q(legal_limit_kind=LimitKinds.SAME_DAY) & Q(legal_limit_amount=0))
                | (~Q(legal_limit_kind=LimitKinds.SAME_DAY) & Q(legal_limit_amount__gte=1)),
                name="procedure_legal_amount",
            ),
            models.CheckConstraint(
                condition=(Q(internal_limit_kind="") & Q(internal_limit_amount__isnull=True))
                # A NULL amount must not slip through as "unknown": the kinds need a non-NULL amount.
                | (Q(internal_limit_kind=LimitKinds.SAME_DAY) & Q(internal_limit_amount__isnull=False)
                   & Q(internal_limit_amount=0))
                | (Q(internal_limit_kind__in=_AMOUNT_KINDS) & Q(internal_limit_amount__isnull=False)
                   & Q(internal_limit_amount__gte=1)),
                name="procedure_internal_limit_complete",
            ),
            models.CheckConstraint(
                condition=~Q(internal_limit_kind=models.F("legal_limit_kind"))
                | Q(internal_limit_amount__lte=models.F("legal_limit_amount")),
                name="procedure_internal_not_longer",
            ),
            models.CheckConstraint(condition=_kind_in("online_level", OnlineLevels), name="procedure_online_level"),
            models.CheckConstraint(condition=_kind_in("result_kind", ResultKinds), name="procedure_result_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def legal_limit(self) -> Limit:
        """The working calendar's `Limit` (ValueError when the stored kind or amount is not one)."""
        return Limit(LimitKind(self.legal_limit_kind), self.legal_limit_amount)

    @property
    def internal_limit(self) -> Limit | None:
        if not self.internal_limit_kind or self.internal_limit_amount is None:
            return None
        return Limit(LimitKind(self.internal_limit_kind), self.internal_limit_amount)

    @property
    def effective_limit(self) -> Limit:
        """The limit the process steps share and dossiers get: the internal one when set, else the legal one."""
        return self.internal_limit or self.legal_limit

    def clean(self) -> None:
        errors: dict[str, str] = {}
        bad_channels = [c for c in self.submission_channels or [] if c not in Channels.values]
        if not isinstance(self.submission_channels, list) or bad_channels:
            errors["submission_channels"] = gettext("Choose ways of submitting from the list.")
        if self.legal_limit_kind == LimitKinds.SAME_DAY:
            self.legal_limit_amount = 0  # the calendar's same-day limit has no amount
        if self.internal_limit_kind == LimitKinds.SAME_DAY:
            self.internal_limit_amount = 0
        legal = _form_limit(self.legal_limit_kind, self.legal_limit_amount)
        if legal is None and self.legal_limit_kind in LimitKinds.values and self.legal_limit_amount is not None:
            errors["legal_limit_amount"] = _at_least_one()
        if bool(self.internal_limit_kind) != (self.internal_limit_amount is not None):
            errors["internal_limit_amount"] = gettext("Give both the kind and the amount, or neither.")
        elif self.internal_limit_kind:
            internal = _form_limit(self.internal_limit_kind, self.internal_limit_amount)
            if internal is None:
                if self.internal_limit_kind in LimitKinds.values:
                    errors["internal_limit_amount"] = _at_least_one()
            elif legal is not None and exceeds(internal, legal):
                errors["internal_limit_amount"] = gettext(
                    "The internal time limit cannot be longer than the legal time limit.")
        if errors:
            raise ValidationError(errors)


class ProcedureLevel(models.Model):
    """A government level that handles the procedure (several allowed)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("level"), max_length=12, choices=Levels.choices)

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "level"], name="procedure_level_unique"),
            models.CheckConstraint(condition=_kind_in("level", Levels), name="procedure_level_choice"),
        ]
        indexes = [models.Index(fields=["level", "procedure"], name="procedure_level_idx")]

    def __str__(self) -> str:
        return str(self.get_level_display())


class RequiredDocument(models.Model):
    """Thành phần hồ sơ: one document the applicant brings, with how many originals and copies."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    template = models.FileField(_("form template"), upload_to="catalog/forms/", blank=True, max_length=255)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["procedure", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class FeeRule(models.Model):
    """Phí, lệ phí: one fee of a procedure. Amounts in whole VND; computed by `domain.fees.compute_fee`."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=FeeKinds.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"), default=0)
    basis = models.CharField(_("charged"), max_length=8, choices=FeeBases.choices, default=FeeBases.DOSSIER)
    tiers = models.JSONField(
        _("page tiers"), default=list, blank=True,
        help_text=_("For per-page fees: [[from page, VND per page], …], e.g. [[1, 2000], [3, 1000]]."),
    )
    cap_per_copy = models.PositiveBigIntegerField(_("maximum per copy (VND)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["procedure", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=_kind_in("kind", FeeKinds), name="fee_kind"),
            models.CheckConstraint(condition=_kind_in("basis", FeeBases), name="fee_basis"),
            models.CheckConstraint(
                condition=~Q(kind=FeeKinds.FREE) | (Q(amount=0) & Q(cap_per_copy__isnull=True)), name="fee_free_zero",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of a procedure's internal process, with its share of the time limit in working hours.

    `unit` is empty for the province-wide template; a unit that deviates has its own full list of
    steps with `unit` set (its variant), whose shares must add up on their own.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("variant of unit"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="catalog_step_variants",
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=StepRoles.choices)
    relative_unit = models.CharField(_("performed at"), max_length=24, choices=RelativeUnits.choices)
    hours = models.PositiveIntegerField(_("share (working hours)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["procedure", "unit", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], condition=Q(unit__isnull=True),
                                    name="step_template_order_unique"),
            models.UniqueConstraint(fields=["procedure", "unit", "order"], condition=Q(unit__isnull=False),
                                    name="step_variant_order_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="step_hours_positive"),
            models.CheckConstraint(condition=_kind_in("role", StepRoles), name="step_role"),
            models.CheckConstraint(condition=_kind_in("relative_unit", RelativeUnits), name="step_relative_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ProcedureUnit(models.Model):
    """A unit (or every unit of a kind) that is competent for, coordinates, or receives a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="unit_links")
    role = models.CharField(_("role"), max_length=14, choices=UnitRoles.choices)
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="catalog_procedures")
    unit_kind = models.CharField(_("every unit of kind"), max_length=20, blank=True,
                                 help_text=_("Instead of one unit: every unit of this kind (e.g. every commune)."))

    class Meta:
        verbose_name = _("unit of the procedure")
        verbose_name_plural = _("units of the procedure")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(unit_kind="")) | (Q(unit__isnull=True) & ~Q(unit_kind="")),
                name="procedure_unit_one_target",
            ),
            models.CheckConstraint(condition=_kind_in("role", UnitRoles), name="procedure_unit_role"),
            models.UniqueConstraint(fields=["procedure", "role", "unit"], condition=Q(unit__isnull=False),
                                    name="procedure_unit_unique"),
            models.UniqueConstraint(fields=["procedure", "role", "unit_kind"], condition=Q(unit__isnull=True),
                                    name="procedure_unit_kind_unique"),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="procedure_unit_idx"),
                   models.Index(fields=["unit_kind", "role"], name="procedure_unit_kind_idx")]

    def __str__(self) -> str:
        target = str(self.unit) if self.unit_id else self.unit_kind
        return f"{self.get_role_display()}: {target}"
