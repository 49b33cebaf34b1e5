"""Model instances read by hand-written SQL, converted exactly as the ORM converts them.

Only for the few queries every API request runs (the token, the receiving unit): there the ORM's query
compilation cost more than the query itself. Each model's whole row is selected in `concrete_fields`
order; the values go through the same converters as the ORM's (the backend's, e.g. SQLite's text
datetimes, then the field's, e.g. JSON), then `Model.from_db`. `execute` runs such a statement (and any
other that repeats, like the rollups' upkeep): prepared on PostgreSQL, through Django's cursor elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]
_CONVERTERS: dict[tuple[str, type[Model]], tuple[tuple[int, Any, tuple[Converter, ...]], ...]] = {}


def columns(model: type[Model], alias: str) -> str:
    """`alias."col", …` for every concrete field of `model`, in the order `build` expects."""
    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(f.column)}" for f in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def _converters(model: type[Model]) -> tuple[tuple[int, Any, tuple[Converter, ...]], ...]:
    key = (connection.vendor, model)
    found = _CONVERTERS.get(key)
    if found is None:
        table = model._meta.db_table
        entries = []
        for i, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(table)
            chain = tuple(connection.ops.get_db_converters(col)) + tuple(col.get_db_converters(connection))
            if chain:
                entries.append((i, col, chain))
        found = _CONVERTERS[key] = tuple(entries)
    return found


def build(model: type[M], values: Sequence[Any]) -> M:
    """A `model` instance from its row (`columns` order), as if the ORM had read it."""
    row = list(values)
    for i, col, chain in _converters(model):
        for convert in chain:
            row[i] = convert(row[i], col, connection)
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, row)


_ATTNAMES: dict[type[Model], list[str]] = {}


def execute(sql: str, params: Sequence[Any], *, fetch: bool = False) -> Any:
    """Run `sql` (a statement that repeats: the token, an event's rollup upkeep): a prepared statement on
    PostgreSQL (`core.pginsert.run`: planned once per connection), Django's cursor elsewhere. Returns the first
    row when `fetch`."""
    if connection.vendor == "postgresql":
        from motcua.core.pginsert import run

        return run(sql, params, fetch=fetch)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if fetch else None


def fetchone(sql: str, params: Sequence[Any]) -> Any:
    """The first row of `sql` (see `execute`)."""
    return execute(sql, params, fetch=True)
