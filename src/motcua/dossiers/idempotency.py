"""Idempotent creation: a retried request with the same `Idempotency-Key` returns the first answer.

The key is scoped to the user. `replay()` looks the key up before creating; `remember_idempotent()`
records it in the same transaction as the creation, so either both exist or neither does. Two
concurrent requests with one key: the second insert hits the unique constraint and raises
`IdempotencyRace` (its transaction, creation included, rolls back); the caller then replays.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier, IdempotencyKey
from motcua.dossiers.services import DossierError

if TYPE_CHECKING:
    from motcua.core.models import User


class IdempotencyRace(Exception):
    """Another request recorded the same key first: roll back and replay."""


def request_hash(body: Any) -> str:
    """A stable hash of a JSON-able request body (key order does not matter)."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(user: User, key: str, body_hash: str) -> Dossier | None:
    """The dossier created earlier by `user` with `key`, None if there is none.

    Raises DossierError `idempotency_key_reused` (422) when the key was used for a different body.
    """
    row = IdempotencyKey.objects.select_related("dossier").filter(user_id=user.pk, key=key).first()
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise DossierError(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request; use a new key."),
            422,
        )
    return row.dossier


def remember_idempotent(user: User, key: str, body_hash: str, dossier: Dossier) -> None:
    """Record that `key` created `dossier` (call inside the creating transaction)."""
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(user_id=user.pk, key=key, request_hash=body_hash, dossier=dossier)
    except IntegrityError as exc:
        raise IdempotencyRace(key) from exc
