"""The one permission helper: (user, action) → a filter over the unit subtree, evaluated in SQL.

Every list in the system goes through `scope()`; single objects through `can()`. A role held at a
unit reaches that unit and every unit below it (materialised path prefix).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from motcua.core.domain.permissions import Action, Role, roles_for
from motcua.core.models import RoleAssignment, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from motcua.core.models import User

M = TypeVar("M", bound=Model)


def _reach_paths(user: User | AnonymousUser, action: Action) -> list[str] | None:
    """Path prefixes of the subtrees where `user` may do `action`; None means everywhere (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser and "_motcua_token_scope" not in user.__dict__:
        return None
    if user.is_superuser:
        roots = list(Unit.objects.filter(parent__isnull=True).values_list("path", flat=True))
        return _narrow(sorted(roots), user, action)
    cache: dict[Action, list[str]] = user.__dict__.setdefault("_motcua_reach", {})
    if action not in cache:
        wanted = {r.value for r in roles_for(action)}
        paths = {path for role, path in _assignments(user) if role in wanted}
        cache[action] = _narrow(sorted(paths), user, action)
    return cache[action]


def _assignments(user: Any) -> list[tuple[str, str]]:
    """(role, unit path) of every role the user holds: one query per request, then reused for every action."""
    held: list[tuple[str, str]] | None = user.__dict__.get("_motcua_roles")
    if held is None:
        held = list(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "unit__path"))
        user.__dict__["_motcua_roles"] = held
    return held


def remember_roles(user: Any, held: list[tuple[str, str]]) -> None:
    """Give this request's `user` their (role, unit path) pairs, read elsewhere (with an API token): the
    permission checks then need no query of their own."""
    user.__dict__["_motcua_roles"] = held


def roles_at(user: User | AnonymousUser, unit: Unit) -> list[Role]:
    """Roles `user` holds at `unit` or above it (a role reaches its subtree), in a stable order."""
    if not user.is_authenticated or not user.is_active:
        return []
    return sorted({Role(role) for role, path in _assignments(user) if unit.path.startswith(path)},
                  key=lambda r: r.value)


def _narrow(paths: list[str], user: Any, action: Action) -> list[str]:
    """Intersect the role reach with an API token's scope (units' subtrees, actions), if any."""
    scope_ = user.__dict__.get("_motcua_token_scope")
    if scope_ is None:
        return paths
    token_paths, token_actions = scope_
    if token_actions and action.value not in token_actions:
        return []
    if not token_paths:
        return paths
    narrowed = set()
    for p in paths:
        for q in token_paths:
            if q.startswith(p):
                narrowed.add(q)
            elif p.startswith(q):
                narrowed.add(p)
    return sorted(narrowed)


def unit_filter(user: User | AnonymousUser, action: Action, prefix: str = "") -> Q:
    """A Q over units (or over a relation to a unit, via `prefix` like "unit__") for `action`."""
    paths = _reach_paths(user, action)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    return reduce(or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))


def units_for(user: User | AnonymousUser, action: Action) -> QuerySet[Unit]:
    """The units where `user` may do `action`."""
    return Unit.objects.filter(unit_filter(user, action))


def scope(queryset: QuerySet[M], user: User | AnonymousUser, action: Action, unit_field: str = "unit") -> QuerySet[M]:
    """Restrict `queryset` to rows whose `unit_field` lies in the user's reach for `action`."""
    paths = _reach_paths(user, action)
    if paths is None:
        return queryset
    if unit_field == "self":
        return queryset.filter(unit_filter(user, action))
    return queryset.filter(**{f"{unit_field}__in": units_for(user, action).values("pk")})


def can(user: User | AnonymousUser, action: Action, unit: Unit | int | None) -> bool:
    """May `user` do `action` at `unit`? One indexed query (cached per request for the reach)."""
    if unit is None:
        return False
    paths = _reach_paths(user, action)
    if paths is None:
        return True
    if not paths:
        return False
    if isinstance(unit, Unit):
        unit_path: str | None = unit.path
    else:
        unit_path = Unit.objects.filter(pk=unit).values_list("path", flat=True).first()
    if unit_path is None:
        return False
    return any(unit_path.startswith(p) for p in paths)


def has_any(user: User | AnonymousUser, action: Action) -> bool:
    paths = _reach_paths(user, action)
    return paths is None or bool(paths)


def forget(user: Any) -> None:
    """Drop the per-request cache (after role changes in the same request)."""
    user.__dict__.pop("_motcua_reach", None)
    user.__dict__.pop("_motcua_roles", None)
