"""One round trip for a new row and the rows that reference it (PostgreSQL data-modifying CTEs)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import ForeignKey, Model
from django.db.models.fields import Field

_FIELDS: dict[tuple[type[Model], str], tuple[Field[Any, Any], ...]] = {}
_LINKS: dict[tuple[type[Model], type[Model]], Field[Any, Any]] = {}


def _fields(model: type[Model], skip: Field[Any, Any] | None = None) -> tuple[Field[Any, Any], ...]:
    key = (model, skip.name if skip is not None else "")
    found = _FIELDS.get(key)
    if found is None:
        found = _FIELDS[key] = tuple(f for f in model._meta.concrete_fields if not f.primary_key and f is not skip)
    return found


@cache
def _placeholders(fields: tuple[Field[Any, Any], ...]) -> str:
    """`(%s::type, …)` for a row of `fields` (the types are PostgreSQL's, fixed for the process)."""
    return "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in fields) + ")"


def _link(model: type[Model], parent: type[Model]) -> Field[Any, Any]:
    found = _LINKS.get((model, parent))
    if found is None:
        found = _LINKS[(model, parent)] = next(
            f for f in model._meta.concrete_fields if isinstance(f, ForeignKey) and f.related_model is parent)
    return found


def _row(obj: Model, fields: tuple[Field[Any, Any], ...], params: list[Any]) -> str:
    """The obj's values as typed placeholders, as `save()` would write them (defaults, auto_now_add, JSON)."""
    params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    return _placeholders(fields)


def insert_together(parent: Model, children: Sequence[Sequence[Model]], last: Model) -> None:
    """INSERT `parent`, every row of `children` and `last` (both referencing `parent` by their foreign key) in
    one statement. Sets the primary keys of `parent` and `last` (the children's stay unset); constraints and
    errors are the database's, exactly as with `save()`/`bulk_create()` in the same transaction.
    """
    assert connection.vendor == "postgresql"
    # Identifiers are the models' own (quoted), values are parameters: nothing here comes from a request.
    q = connection.ops.quote_name
    model = type(parent)
    params: list[Any] = []
    own = _fields(model)
    parts = [f"d AS (INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in own)}) "  # noqa: S608
             f"VALUES {_row(parent, own, params)} RETURNING {q(model._meta.pk.column)} AS id)"]
    for i, rows in enumerate(children):
        if not rows:
            continue
        child = type(rows[0])
        link = _link(child, model)
        cols = _fields(child, link)
        values = ", ".join(_row(r, cols, params) for r in rows)
        parts.append(f"c{i} AS (INSERT INTO {q(child._meta.db_table)} "  # noqa: S608
                     f"({q(link.column)}, {', '.join(q(f.column) for f in cols)}) "
                     f"SELECT d.id, v.* FROM d, (VALUES {values}) AS v)")
    link = _link(type(last), model)
    cols = _fields(type(last), link)
    row = _row(last, cols, params)
    parts.append(f"e AS (INSERT INTO {q(type(last)._meta.db_table)} ({q(link.column)}, "  # noqa: S608
                 f"{', '.join(q(f.column) for f in cols)}) SELECT d.id, {row[1:-1]} FROM d "
                 f"RETURNING {q(type(last)._meta.pk.column)} AS id)")
    with connection.cursor() as cursor:
        cursor.execute("WITH " + ", ".join(parts) + " SELECT d.id, e.id FROM d, e", params)  # noqa: S608
        parent_id, last_id = cursor.fetchone()
    for obj, pk in ((parent, parent_id), (last, last_id)):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    for rows in children:
        for r in rows:
            setattr(r, _link(type(r), model).attname, parent_id)
