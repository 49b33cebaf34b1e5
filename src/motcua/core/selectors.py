"""Readers of the shared kernel. Every list is scoped through `motcua.core.permissions.scope`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, QuerySet

from motcua.core import rawrows
from motcua.core.domain.permissions import Action
from motcua.core.models import Counter, RoleAssignment, Unit
from motcua.core.permissions import can, scope, units_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User


def visible_units(user: User | AnonymousUser, action: Action = Action.UNIT_VIEW) -> QuerySet[Unit]:
    return units_for(user, action).select_related("parent").annotate(counter_count=Count("counters"))


def unit_by_code(user: User | AnonymousUser, code: str, action: Action = Action.UNIT_VIEW) -> Unit | None:
    return visible_units(user, action).filter(code=code).first()


def unit_in_reach(user: User | AnonymousUser, code: str, action: Action = Action.UNIT_VIEW) -> Unit | None:
    """The unit with `code` if `user` may do `action` there: one plain indexed query (no counts, no parent).

    Every intake asks this, so the row is read by hand-written SQL and the reach is checked on its path.
    """
    q = connection.ops.quote_name
    row = rawrows.fetchone(f"SELECT {rawrows.columns(Unit, 'u')} FROM {q(Unit._meta.db_table)} u "  # noqa: S608 - model names
                           f"WHERE u.{q('code')} = %s", [code])
    if row is None:
        return None
    unit = rawrows.build(Unit, row)
    return unit if can(user, action, unit) else None


def counters_of(user: User | AnonymousUser, unit: Unit) -> QuerySet[Counter]:
    return scope(Counter.objects.filter(unit=unit), user, Action.UNIT_VIEW)


def roles_of(user: User | AnonymousUser) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user_id=user.pk).select_related("unit").order_by("unit__path", "role")


def subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)
