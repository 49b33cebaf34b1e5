"""National calendar days: public holidays, announced extra days off and make-up working days. Data only."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Holiday(models.Model):
    """One date of the national calendar that differs from the weekly office hours.

    Rows come from the holiday library (`source=seeded`) or from an administrator (`source=admin`);
    seeding never touches a date an administrator has decided on.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        EXTRA_DAY_OFF = "extra_day_off", _("Announced extra day off")
        MAKEUP_WORKING_DAY = "makeup_working_day", _("Make-up working day")

    class Source(models.TextChoices):
        SEEDED = "seeded", _("Seeded from the holiday library")
        ADMIN = "admin", _("Entered by an administrator")

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("national calendar day")
        verbose_name_plural = _("national calendar days")
        ordering = ["date", "kind"]
        constraints = [models.UniqueConstraint(fields=["date", "kind"], name="holiday_unique_date_kind")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name} ({self.get_kind_display()})"

    @property
    def is_day_off(self) -> bool:
        return self.kind != self.Kind.MAKEUP_WORKING_DAY
