"""Attaching files to a dossier component after creation: one transaction, permission checked."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.domain.permissions import Action
from motcua.core.permissions import can
from motcua.dossiers.files import UploadBatch, store_upload
from motcua.dossiers.models import Dossier, DossierComponent, StoredFile
from motcua.dossiers.services import DossierError

if TYPE_CHECKING:
    from motcua.core.models import User

# No more documents once the dossier is closed for good (refused, withdrawn, stopped, returned).
_CLOSED = (3, 7, 8, 10)


@transaction.atomic
def attach_file(*, actor: User, code: str, component_id: int, upload: IO[bytes]) -> StoredFile:
    """Validate `upload` by content and size, store it once, and attach it to the component.

    404 `dossier_not_found` outside the actor's reach (existence is never revealed), 404
    `component_not_found`, 403 `permission_denied` unless the actor receives at the receiving unit or
    processes at the current one, 409 `dossier_closed`, 422 `file_type_not_allowed` / `file_too_large` /
    `file_empty`.
    """
    dossier = (Dossier.objects.select_for_update().select_related("receiving_unit", "current_unit",
                                                                  "competent_unit")
               .filter(code=code).first())
    if dossier is None or not any(can(actor, Action.DOSSIER_VIEW, u) for u in (
            dossier.current_unit, dossier.receiving_unit, dossier.competent_unit)):
        raise DossierError("dossier_not_found", _("Not found, or you are not allowed to see it."), 404)
    component = DossierComponent.objects.filter(dossier=dossier, pk=component_id).first()
    if component is None:
        raise DossierError("component_not_found", _("This dossier has no such component."), 404)
    if not (can(actor, Action.DOSSIER_RECEIVE, dossier.receiving_unit)
            or can(actor, Action.DOSSIER_PROCESS, dossier.current_unit)):
        raise DossierError("permission_denied", _("You may not add files to this dossier."), 403)
    if dossier.status in _CLOSED:
        raise DossierError("dossier_closed", _("The dossier is closed; no more files can be added."), 409)
    batch = UploadBatch()
    try:
        stored = store_upload(upload, batch=batch)
        component.files.add(stored)
        if not component.digitized:
            component.digitized = True
            component.save(update_fields=["digitized"])
    except ValidationError as exc:
        batch.discard_new()
        raise DossierError(exc.code or "invalid_file", " ".join(exc.messages), 422) from exc
    except Exception:
        batch.discard_new()
        raise
    transaction.on_commit(batch.written.clear)
    return stored
