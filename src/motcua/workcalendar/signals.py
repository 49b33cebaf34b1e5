"""Any write to Holiday, from whatever path, drops this process's cached calendars."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from motcua.workcalendar.models import Holiday
from motcua.workcalendar.selectors import invalidate_calendar_cache


def _holiday_changed(sender: Any, **kwargs: Any) -> None:
    invalidate_calendar_cache()


def connect() -> None:
    post_save.connect(_holiday_changed, sender=Holiday, dispatch_uid="workcalendar.holiday.saved")
    post_delete.connect(_holiday_changed, sender=Holiday, dispatch_uid="workcalendar.holiday.deleted")
