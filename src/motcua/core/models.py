"""Units (the organisation tree), counters, officers and their roles. Data and constraints only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.domain.permissions import Role

# QCVN 102:2016 style codes: 000.00.01.H12, 000.00.15.H12, 000.20.31.H12 …
UNIT_CODE_RE = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$"


def default_office_hours() -> dict[str, list[list[str]]]:
    day = [["07:00", "11:30"], ["13:30", "17:00"]]
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}


def validate_office_hours(value: Any) -> None:
    from motcua.workcalendar.domain import parse_weekly_hours

    try:
        parse_weekly_hours(value)
    except ValueError as exc:
        raise ValidationError(
            _("Office hours are not valid: %(reason)s"), params={"reason": exc}, code="office_hours"
        ) from exc


class Unit(models.Model):
    """A node of the organisation tree: province committee, department, commune, service centre, division."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Provincial People's Committee")
        SERVICE_CENTRE = "service_centre", _("Public administrative service centre")
        DEPARTMENT = "department", _("Department")
        COMMUNE = "commune", _("Commune / ward People's Committee")
        DIVISION = "division", _("Division / office")
        OTHER = "other", _("Other agency")

    code = models.CharField(
        _("official code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(UNIT_CODE_RE, _("Use the official code format, e.g. 000.00.01.H12."))],
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("H12/000.00.01.H12/…/"): subtree = path prefix. Maintained by services.
    path = models.CharField(max_length=600, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_one_stop_desk = models.BooleanField(
        _("has a one-stop desk"), default=False,
        help_text=_("The unit receives dossiers and returns results at its own desk."),
    )
    office_hours = models.JSONField(
        _("office hours"), default=default_office_hours, validators=[validate_office_hours],
        help_text=_('Per weekday, up to two intervals, e.g. {"mon": [["07:00","11:30"],["13:30","17:00"]]}.'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Counter(models.Model):
    """A numbered counter (quầy) at a one-stop desk."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["unit", "number"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        return _("Counter %(number)s") % {"number": self.number}


class User(AbstractUser):
    """Anyone who logs in: officers (with role assignments) and, later, citizens."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    title = models.CharField(_("job title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A user holds a role at a unit; the role reaches the unit and its whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(
        _("role"), max_length=30,
        choices=[
            (Role.RECEPTION_OFFICER.value, _("Reception officer")),
            (Role.SPECIALIST.value, _("Specialist")),
            (Role.LEADER.value, _("Leader")),
            (Role.CLERK.value, _("Clerk")),
            (Role.UNIT_ADMIN.value, _("Unit administrator")),
            (Role.PROVINCE_ADMIN.value, _("Province administrator")),
            (Role.MONITOR.value, _("Monitor (read-only)")),
        ],
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="role_assignment_unique")]
        indexes = [models.Index(fields=["user", "role"], name="role_user_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.unit.code}"


class ApiToken(models.Model):
    """A system's credential for the REST API, scoped to units (and their subtrees) and to actions.

    Only the SHA-256 of the secret is stored; the secret is shown once, when issued.
    """

    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(User, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    units = models.ManyToManyField(Unit, verbose_name=_("limited to units"), blank=True, related_name="+",
                                   help_text=_("Empty: every unit the user may act on."))
    actions = models.JSONField(_("limited to actions"), default=list, blank=True,
                               help_text=_("Empty: every action the user may do."))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
