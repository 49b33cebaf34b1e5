"""Writes to the national calendar. Every change drops the cached calendars (see selectors)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.domain.permissions import Action
from motcua.core.permissions import has_any
from motcua.workcalendar.models import Holiday
from motcua.workcalendar.national import national_days
from motcua.workcalendar.selectors import invalidate_calendar_cache


def seed_rows(model: Any, first_year: int, last_year: int) -> int:
    """Bring the seeded rows of [first_year, last_year] in line with the holiday package; return rows created.

    Idempotent. Never touches a date that has an administrator row. Seeded rows the package no longer
    lists for those years are removed, and changed names are updated. `model` is `Holiday` or its
    historical version inside a migration.
    """
    if last_year < first_year:
        raise ValueError(f"last year {last_year} is before first year {first_year}")
    wanted = {(day.date, day.kind): day.name for day in national_days(first_year, last_year)}
    in_range = model.objects.filter(date__year__gte=first_year, date__year__lte=last_year)
    admin_dates = set(in_range.filter(source="admin").values_list("date", flat=True))
    seeded = {(row.date, row.kind): row for row in in_range.filter(source="seeded")}
    stale = [row.pk for key, row in seeded.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    for key, row in seeded.items():
        if key in wanted and row.name != wanted[key]:
            row.name = wanted[key]
            row.save(update_fields=["name", "updated_at"])
    new = [
        model(date=day, kind=kind, name=name, source="seeded")
        for (day, kind), name in wanted.items()
        if day not in admin_dates and (day, kind) not in seeded
    ]
    model.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def seed_national_holidays(first_year: int = 2020, last_year: int = 2035) -> int:
    """Seed Vietnam's national days off and make-up working days for the years; return rows created."""
    with transaction.atomic():
        created = seed_rows(Holiday, first_year, last_year)
        transaction.on_commit(invalidate_calendar_cache)
    invalidate_calendar_cache()
    return created


def _check_may_manage(actor: Any) -> None:
    if actor is not None and not has_any(actor, Action.CALENDAR_MANAGE):
        raise PermissionDenied(_("You may not change the national calendar."))


def save_holiday(*, actor: Any, holiday: Holiday) -> Holiday:
    """Create or change a national calendar day as an administrator (`actor` None = the system)."""
    _check_may_manage(actor)
    holiday.source = Holiday.Source.ADMIN
    holiday.full_clean()
    with transaction.atomic():
        holiday.save()
        transaction.on_commit(invalidate_calendar_cache)
    invalidate_calendar_cache()
    return holiday


def delete_holiday(*, actor: Any, holiday: Holiday) -> None:
    """Remove a national calendar day. A seeded day comes back at the next seed unless an admin row replaces it."""
    _check_may_manage(actor)
    with transaction.atomic():
        holiday.delete()
        transaction.on_commit(invalidate_calendar_cache)
    invalidate_calendar_cache()
