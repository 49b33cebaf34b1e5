"""Writers of the shared kernel: units, counters, officers, roles. One use case = one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.domain.permissions import Action, Role
from motcua.core.models import Counter, RoleAssignment, Unit, User
from motcua.core.permissions import can


def _path_for(code: str, parent: Unit | None) -> str:
    return f"{parent.path if parent else ''}{code}/"


@transaction.atomic
def save_unit(unit: Unit, *, actor: User | None = None) -> Unit:
    """Create or update a unit, keeping the materialised paths of its whole subtree right."""
    if actor is not None:
        target = unit.parent if unit.pk is None else unit
        if target is None and not actor.is_superuser:
            raise PermissionDenied(_("Only a system administrator can create a root unit."))
        if target is not None and not can(actor, Action.UNIT_MANAGE, target):
            raise PermissionDenied(_("You cannot manage this unit."))
    old_path = None
    if unit.pk is not None:
        old_path = Unit.objects.select_for_update().filter(pk=unit.pk).values_list("path", flat=True).first()
    if unit.parent_id is not None and old_path is not None:
        parent_path = Unit.objects.filter(pk=unit.parent_id).values_list("path", flat=True).get()
        if parent_path.startswith(old_path):
            raise ValidationError({"parent": _("A unit cannot be placed under itself or one of its own units.")})
    unit.path = _path_for(unit.code, unit.parent)
    unit.depth = unit.path.count("/") - 1
    unit.full_clean()
    unit.save()
    if old_path is not None and old_path != unit.path:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("depth"):
            child.path = unit.path + child.path[len(old_path):]
            child.depth = child.path.count("/") - 1
            child.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def assign_role(*, actor: User | None, user: User, unit: Unit, role: Role) -> RoleAssignment:
    if actor is not None and not can(actor, Action.STAFF_MANAGE, unit):
        raise PermissionDenied(_("You cannot manage officers of this unit."))
    if (
        role == Role.PROVINCE_ADMIN
        and actor is not None
        and not actor.is_superuser
        and not RoleAssignment.objects.filter(user=actor, role=Role.PROVINCE_ADMIN).exists()
    ):
        raise PermissionDenied(_("Only a province administrator can appoint another one."))
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role.value)
    if not user.is_staff and role in (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return assignment


@transaction.atomic
def create_counter(*, actor: User | None, unit: Unit, number: int, name: str = "") -> Counter:
    """Open a numbered counter at a unit's desk."""
    if actor is not None and not can(actor, Action.UNIT_MANAGE, unit):
        raise PermissionDenied(_("You cannot manage this unit."))
    if Counter.objects.filter(unit=unit, number=number).exists():
        raise ValidationError({"number": _("Counter %(number)s already exists at this unit.") % {"number": number}})
    counter = Counter(unit=unit, number=number, name=name)
    counter.full_clean()
    counter.save()
    return counter
