"""Dossier codes `{receiving unit code}-{yyMMdd}-{NNNN}`: per unit, per local day, unique and gap-free.

The number comes from one UPSERT … RETURNING on the (unit, day) counter row, inside the transaction
that inserts the dossier: concurrent intakes queue on that row's lock, and a rolled-back intake gives
its number back (no gap).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from motcua.core.pginsert import Part
from motcua.dossiers.models import DossierCodeSequence


def format_code(unit_code: str, day: date, number: int) -> str:
    return f"{unit_code}-{day:%y%m%d}-{number:04d}"


def next_number(unit_id: int, day: date) -> int:
    """Take the next number for (unit, day). Must run inside the intake's transaction."""
    assert connection.in_atomic_block, "dossier numbers are taken inside the intake transaction"
    with connection.cursor() as cursor:
        cursor.execute(_take_number_sql(), [unit_id, day])
        return int(cursor.fetchone()[0])


def _take_number_sql() -> str:
    table = DossierCodeSequence._meta.db_table
    return (f"INSERT INTO {table} (unit_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (unit_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last")


def next_code(unit_id: int, unit_code: str, at: datetime) -> str:
    day = timezone.localdate(at)
    return format_code(unit_code, day, next_number(unit_id, day))


def counter_part(unit_id: int, day: date) -> Part:
    """PostgreSQL: the counter UPSERT of `next_number` as the first part (`n`) of an intake's one statement
    (`core.pginsert.insert_together`), so that the number is taken, and its row locked, only for the time the
    statement itself runs."""
    return Part("n", _take_number_sql(), [unit_id, day])


def code_expression(unit_code: str, day: date) -> tuple[str, list[Any]]:
    """The SQL that formats `n.last` (see `counter_part`) as `format_code` does: `{unit}-{yyMMdd}-{NNNN}`, at
    least four digits."""
    return ("%s || CASE WHEN n.last < 10000 THEN lpad(n.last::text, 4, '0') ELSE n.last::text END",
            [format_code(unit_code, day, 0)[:-4]])
