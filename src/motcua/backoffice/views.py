"""Back-office pages for officers. Every read goes through `motcua.core.selectors` (unit-scoped in SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.backoffice import worklists
from motcua.core import selectors
from motcua.core.domain.permissions import Action
from motcua.core.permissions import can
from motcua.workcalendar.domain import WEEKDAY_KEYS, parse_weekly_hours

UNITS_PER_PAGE = 50
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class OfficeDay:
    """One row of the office-hours table: a weekday and its opening intervals as "HH:MM–HH:MM" strings."""

    name: str
    intervals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitRoles:
    unit_code: str
    unit_name: str
    roles: tuple[str, ...]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def office_days(raw: object) -> list[OfficeDay] | None:
    """The unit's office hours, Monday first, or None when the stored value is not valid."""
    try:
        week = parse_weekly_hours(raw)
    except ValueError:
        return None
    return [
        OfficeDay(str(WEEKDAYS[weekday]), tuple(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in week.for_weekday(weekday)))
        for weekday in range(len(WEEKDAY_KEYS))
    ]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    grouped: dict[str, UnitRoles] = {}
    for assignment in selectors.roles_of(request.user):
        unit = assignment.unit
        current = grouped.get(unit.code)
        label = str(assignment.get_role_display())
        roles = (*current.roles, label) if current else (label,)
        grouped[unit.code] = UnitRoles(unit.code, unit.name, roles)
    return render(request, "backoffice/home.html", {"unit_roles": list(grouped.values()),
                                                    "worklist_tabs": worklists.home_counts(request.user)})


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    units = selectors.visible_units(request.user)
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    page = Paginator(units.order_by("path"), UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query}
    # htmx search-as-you-type swaps only the results region; a history restore needs the whole page.
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    template = "backoffice/_unit_results.html" if partial else "backoffice/unit_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.unit_by_code(request.user, code)
    if unit is None:
        # Same answer whether the unit does not exist or lies outside the officer's reach.
        raise Http404(_("Unit not found."))
    context = {
        "unit": unit,
        "parent_visible": unit.parent is not None and can(request.user, Action.UNIT_VIEW, unit.parent),
        "office_days": office_days(unit.office_hours),
        "counters": list(selectors.counters_of(request.user, unit)),
        "children": list(selectors.visible_units(request.user).filter(parent_id=unit.pk).order_by("path")[:200]),
    }
    return render(request, "backoffice/unit_detail.html", context)
