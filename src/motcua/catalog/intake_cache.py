"""What intake reads of the catalogue for one procedure, cached in-process.

Every dossier created reads the same few catalogue rows of its procedure: the procedure, its process steps
(the template and the unit variants), its competent-unit links and its required documents — four queries
that made up a fifth of the intake's cost. They change a few times a year, so each server process keeps
them per procedure code:

* any write to a catalogue model or a unit in this process (model signals, also on commit) drops the
  cache at once;
* other processes notice a change within `MOTCUA_CATALOGUE_CACHE_SECONDS` (default 10 s) through one
  cheap fingerprint query (number of procedures and the latest `updated_at`: every import or edit of a
  procedure saves the procedure row).

The cached model instances are shared read-only: callers must not modify or save them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from motcua.catalog.models import Procedure, ProcedureUnit, ProcessStep, RequiredDocument, UnitRoles

_MAX_ENTRIES = 2048


@dataclass(frozen=True)
class IntakeEntry:
    procedure: Procedure
    steps: tuple[ProcessStep, ...]  # template (unit None) and every unit variant, in (order, pk) order
    competent: tuple[frozenset[int], frozenset[str]]  # unit ids, unit kinds
    document_ids: frozenset[int]


_lock = threading.Lock()
_by_code: dict[str, IntakeEntry] = {}
_by_pk: dict[int, IntakeEntry] = {}
_state: dict[str, Any] = {"version": 0, "seen_version": -1, "checked_at": 0.0, "fingerprint": None}


def forget() -> None:
    """Drop every cached entry of this process (catalogue or unit written here)."""
    with _lock:
        _state["version"] += 1
        _by_code.clear()
        _by_pk.clear()


def forget_now_and_on_commit() -> None:
    forget()
    transaction.on_commit(forget)  # no-op outside a transaction; inside, also after the writes are visible


def _fingerprint() -> tuple[int, Any]:
    row = Procedure.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
    return row["n"], row["changed"]


def _refresh_if_stale() -> None:
    ttl = float(getattr(settings, "MOTCUA_CATALOGUE_CACHE_SECONDS", 10))
    now = time.monotonic()
    with _lock:
        if _state["seen_version"] == _state["version"] and now - _state["checked_at"] < ttl:
            return
    fingerprint = _fingerprint()
    with _lock:
        if fingerprint != _state["fingerprint"] or _state["seen_version"] != _state["version"]:
            _by_code.clear()
            _by_pk.clear()
        _state.update(fingerprint=fingerprint, seen_version=_state["version"], checked_at=now)


def _load(code: str) -> IntakeEntry | None:
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        return None
    steps = tuple(ProcessStep.objects.filter(procedure=procedure).select_related("unit").order_by("order", "pk"))
    links = list(ProcedureUnit.objects.filter(procedure=procedure, role=UnitRoles.COMPETENT)
                 .values_list("unit_id", "unit_kind"))
    documents = frozenset(RequiredDocument.objects.filter(procedure=procedure).values_list("pk", flat=True))
    return IntakeEntry(procedure=procedure, steps=steps,
                       competent=(frozenset(u for u, _k in links if u is not None),
                                  frozenset(k for _u, k in links if k)),
                       document_ids=documents)


def entry(code: str) -> IntakeEntry | None:
    """The intake view of procedure `code` (None when there is no such procedure)."""
    _refresh_if_stale()
    with _lock:
        found = _by_code.get(code)
        version = _state["version"]
    if found is not None:
        return found
    loaded = _load(code)
    if loaded is not None and not transaction.get_connection().in_atomic_block:
        with _lock:
            if _state["version"] == version:  # not invalidated while loading
                if len(_by_code) >= _MAX_ENTRIES:
                    _by_code.clear()
                    _by_pk.clear()
                _by_code[code] = loaded
                _by_pk[loaded.procedure.pk] = loaded
    return loaded


def cached(procedure: Procedure) -> IntakeEntry | None:
    """The cached entry of this very procedure row, if any (no query)."""
    with _lock:
        found = _by_pk.get(procedure.pk)
    return found if found is not None and found.procedure is procedure else None
