"""Any write to the catalogue or to a unit, from whatever path, drops this process's intake cache."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from motcua.catalog import intake_cache
from motcua.catalog.models import Procedure, ProcedureUnit, ProcessStep, RequiredDocument
from motcua.core.models import Unit


def _changed(sender: Any, **kwargs: Any) -> None:
    intake_cache.forget_now_and_on_commit()


def connect() -> None:
    for model in (Procedure, ProcessStep, ProcedureUnit, RequiredDocument, Unit):
        name = model._meta.label_lower
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog.intake_cache.saved.{name}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog.intake_cache.deleted.{name}")
