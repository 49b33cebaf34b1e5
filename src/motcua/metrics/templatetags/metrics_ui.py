"""Template helpers of the report screens: whether the signed-in user may see reports (the navigation link)."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from motcua.core.domain.permissions import Action
from motcua.core.permissions import has_any

register = template.Library()


@register.simple_tag
def can_see_reports(request: HttpRequest) -> bool:
    """True when the user holds `report.view` somewhere (the role reach is cached for the request)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and has_any(user, Action.REPORT_VIEW))
