"""One round trip for a new row and the rows that reference it (PostgreSQL data-modifying CTEs).

A statement built here runs as a prepared statement with PostgreSQL's own `$n` placeholders (`run`): the
few shapes an intake has repeat, so PostgreSQL plans each once per connection, and psycopg does not parse
the long text again on every call (it caches only statements under 4 kB and 50 parameters).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.db import connection
from django.db.models import ForeignKey, Model
from django.db.models.fields import Field
from django.db.models.signals import pre_save

_FIELDS: dict[tuple[type[Model], str, bool], tuple[Field[Any, Any], ...]] = {}
_LINKS: dict[tuple[type[Model], type[Model]], Field[Any, Any]] = {}


@dataclass(frozen=True)
class Part:
    """One more part of a statement's WITH list: `name AS (sql)`, with its `%s` parameters in order."""

    name: str
    sql: str
    params: Sequence[Any]


def _fields(model: type[Model], skip: Field[Any, Any] | None = None, *, with_pk: bool = False
            ) -> tuple[Field[Any, Any], ...]:
    key = (model, skip.name if skip is not None else "", with_pk)
    found = _FIELDS.get(key)
    if found is None:
        found = _FIELDS[key] = tuple(f for f in model._meta.concrete_fields
                                     if (with_pk or not f.primary_key) and f is not skip)
    return found


@cache
def _placeholder(field: Field[Any, Any]) -> str:
    """`%s::type` (the type is PostgreSQL's, fixed for the process)."""
    return f"%s::{field.db_type(connection)}"


def _link(model: type[Model], parent: type[Model]) -> Field[Any, Any]:
    found = _LINKS.get((model, parent))
    if found is None:
        found = _LINKS[(model, parent)] = next(
            f for f in model._meta.concrete_fields if isinstance(f, ForeignKey) and f.related_model is parent)
    return found


def _values(obj: Model, fields: tuple[Field[Any, Any], ...], params: list[Any],
            computed: Mapping[str, tuple[str, Sequence[Any]]] | None = None) -> str:
    """The obj's values as typed placeholders, as `save()` would write them (defaults, auto_now_add, JSON);
    a field named in `computed` takes that SQL expression and its parameters instead."""
    out = []
    for f in fields:
        if computed and f.name in computed:
            expression, extra = computed[f.name]
            out.append(expression)
            params.extend(extra)
        else:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
            out.append(_placeholder(f))
    return ", ".join(out)


def row_part(name: str, obj: Model) -> Part:
    """`INSERT` of one unrelated row (its primary key too when already set), as a part of a statement. The
    model's `pre_save` receivers run first, as with `save()` (some libraries fill fields there); `post_save`
    is not sent (the row is not written yet)."""
    q = connection.ops.quote_name
    model = type(obj)
    pre_save.send(sender=model, instance=obj, raw=False, using=connection.alias, update_fields=None)
    fields = _fields(model, with_pk=obj.pk is not None)
    params: list[Any] = []
    values = _values(obj, fields, params)
    return Part(name, f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
                      f"VALUES ({values}) RETURNING 1", params)


def next_ids(*models: type[Model]) -> list[int]:
    """Take the next primary key of each model from its sequence (one query; a sequence never rolls back,
    so an unused key is only a gap in ids, never in anything people read)."""
    assert connection.vendor == "postgresql"
    missing = [m for m in models if m not in _SEQUENCES]
    if missing:
        names = run("SELECT " + ", ".join("pg_get_serial_sequence(%s, %s)" for _ in missing),
                    [v for m in missing for v in (m._meta.db_table, m._meta.pk.column)], fetch=True)
        _SEQUENCES.update(zip(missing, names, strict=True))
    # Sequence names are the database's own (read above), quoted as literals: one plan for every call.
    literals = ("'" + _SEQUENCES[m].replace("'", "''") + "'" for m in models)
    sql = "SELECT " + ", ".join(f"nextval({literal}::regclass)" for literal in literals)
    return [int(v) for v in run(sql, [], fetch=True)]


_SEQUENCES: dict[type[Model], str] = {}


def insert_together(parent: Model, children: Sequence[Sequence[Model]], last: Model, *,
                    before: Sequence[Part] = (), computed: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
                    after: Sequence[Part] = ()) -> None:
    """INSERT `parent`, every row of `children` and `last` (both referencing `parent` by their foreign key) in
    one statement, with the `before` and `after` parts around them. `computed`: fields of `parent` given as
    SQL expressions that may read the `before` parts (their values are set on `parent` afterwards).

    Sets the primary keys of `parent` and `last` (kept when already set, e.g. by `next_ids`; the children's
    stay unset); constraints and errors are the database's, exactly as with `save()`/`bulk_create()`.
    Outside a transaction the statement is one by itself: it commits whole or not at all.
    """
    assert connection.vendor == "postgresql"
    # Identifiers are the models' own (quoted), values are parameters: nothing here comes from a request.
    q = connection.ops.quote_name
    model = type(parent)
    params: list[Any] = []
    parts: list[str] = []
    for part in before:
        parts.append(f"{part.name} AS ({part.sql})")
        params.extend(part.params)
    own = _fields(model, with_pk=parent.pk is not None)
    shown = [f for f in own if computed and f.name in computed]
    source = f"SELECT {{}} FROM {', '.join(p.name for p in before)}" if before else "VALUES ({})"  # noqa: S608
    parts.append(f"d AS (INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in own)}) "
                 + source.format(_values(parent, own, params, computed))
                 + f" RETURNING {', '.join(q(c) for c in [model._meta.pk.column, *(f.column for f in shown)])})")
    for i, rows in enumerate(children):
        if not rows:
            continue
        child = type(rows[0])
        link = _link(child, model)
        cols = _fields(child, link)
        values = ", ".join(f"({_values(r, cols, params)})" for r in rows)
        parts.append(f"c{i} AS (INSERT INTO {q(child._meta.db_table)} "  # noqa: S608
                     f"({q(link.column)}, {', '.join(q(f.column) for f in cols)}) "
                     f"SELECT d.{q(model._meta.pk.column)}, v.* FROM d, (VALUES {values}) AS v)")
    link = _link(type(last), model)
    cols = _fields(type(last), link, with_pk=last.pk is not None)
    values = _values(last, cols, params)
    parts.append(f"e AS (INSERT INTO {q(type(last)._meta.db_table)} ({q(link.column)}, "  # noqa: S608
                 f"{', '.join(q(f.column) for f in cols)}) SELECT d.{q(model._meta.pk.column)}, {values} FROM d "
                 f"RETURNING {q(type(last)._meta.pk.column)} AS id)")
    for part in after:
        parts.append(f"{part.name} AS ({part.sql})")
        params.extend(part.params)
    # Every part runs even when nothing reads it; reading the `after` parts' counts would only cost time.
    row = run("WITH " + ", ".join(parts) + " SELECT d.*, e.id FROM d, e", params, fetch=True)  # noqa: S608
    parent_id, *values_of_computed, last_id = row
    for obj, pk in ((parent, parent_id), (last, last_id)):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    for f, value in zip(shown, values_of_computed, strict=True):
        setattr(parent, f.attname, value)
    for rows in children:
        for r in rows:
            setattr(r, _link(type(r), model).attname, parent_id)


_PLACEHOLDER = re.compile(r"%(.)")


@lru_cache(maxsize=512)
def native(sql: str) -> str:
    """`sql` with PostgreSQL's `$1, $2, …` for psycopg's `%s` (and `%` for `%%`); any other `%` is an error."""
    count = 0

    def one(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"unexpected placeholder %{match.group(1)} in {sql[:80]!r}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(one, sql)


def run(sql: str, params: Sequence[Any], *, fetch: bool = False) -> Any:
    """Run a statement that repeats (an intake, a rollup upkeep) on PostgreSQL as a prepared statement, with
    native placeholders (Django leaves psycopg's automatic preparation off), logged like Django's own
    queries. Returns the first row when `fetch`."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparation off (threshold None), and then psycopg ignores `prepare=True`
        # too. Django's own cursors bind on the client and never prepare, whatever the threshold: a threshold
        # no query reaches only lets the statements run here be prepared.
        raw.prepare_threshold = 2**31 - 1
    began = time.monotonic()
    # Errors come out as Django's (IntegrityError, DataError…), as from Django's own cursors.
    with connection.wrap_database_errors, psycopg.RawCursor(raw) as cursor:
        cursor.execute(native(sql), params, prepare=True)
        row = cursor.fetchone() if fetch else None
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - began:.3f}"})
    return row
