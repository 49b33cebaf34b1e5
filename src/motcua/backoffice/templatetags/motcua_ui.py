"""Template helpers for the shared layout: the signed-in officer's roles and the active nav entry."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from motcua.core import selectors

register = template.Library()
MAX_HEADER_ROLES = 12


@register.simple_tag
def officer_roles(request: HttpRequest) -> list[str]:
    """'Unit: role, role' labels of the signed-in user, one per unit, for the header (one indexed query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    per_unit: dict[str, list[str]] = {}
    for assignment in selectors.roles_of(user)[:MAX_HEADER_ROLES]:
        per_unit.setdefault(assignment.unit.name, []).append(str(assignment.get_role_display()))
    return [f"{unit}: {', '.join(roles)}" for unit, roles in per_unit.items()]


@register.filter
def is_within(path: str, url: str) -> bool:
    """True when `path` is `url` or lies below it (for `aria-current` in the navigation)."""
    return bool(url) and path.startswith(url)
