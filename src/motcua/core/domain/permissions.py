"""Who may do what: roles, actions and the table between them. Pure: no Django.

A role is held *at a unit*; it reaches that unit and every unit below it in the tree.
The query side (turning a user and an action into a filter over units) lives in
`motcua.core.permissions`; this module only says which roles grant which action.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RECEPTION_OFFICER = "reception_officer"
    SPECIALIST = "specialist"
    LEADER = "leader"
    CLERK = "clerk"
    UNIT_ADMIN = "unit_admin"
    PROVINCE_ADMIN = "province_admin"
    MONITOR = "monitor"


class Action(StrEnum):
    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"
    STAFF_MANAGE = "staff.manage"
    CALENDAR_MANAGE = "calendar.manage"
    CATALOG_MANAGE = "catalog.manage"
    DOSSIER_VIEW = "dossier.view"
    DOSSIER_RECEIVE = "dossier.receive"
    DOSSIER_PROCESS = "dossier.process"
    DOSSIER_APPROVE = "dossier.approve"
    DOSSIER_RETURN = "dossier.return"
    REPORT_VIEW = "report.view"


_OFFICER_ROLES = frozenset({Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK})
_ADMIN_ROLES = frozenset({Role.UNIT_ADMIN, Role.PROVINCE_ADMIN})
_EVERY_ROLE = frozenset(Role)

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.UNIT_VIEW: _EVERY_ROLE,
    Action.UNIT_MANAGE: _ADMIN_ROLES,
    Action.STAFF_MANAGE: _ADMIN_ROLES,
    Action.CALENDAR_MANAGE: frozenset({Role.PROVINCE_ADMIN}),
    Action.CATALOG_MANAGE: _ADMIN_ROLES,
    Action.DOSSIER_VIEW: _OFFICER_ROLES | _ADMIN_ROLES | {Role.MONITOR},
    Action.DOSSIER_RECEIVE: frozenset({Role.RECEPTION_OFFICER}),
    Action.DOSSIER_PROCESS: frozenset({Role.SPECIALIST, Role.LEADER}),
    Action.DOSSIER_APPROVE: frozenset({Role.LEADER}),
    Action.DOSSIER_RETURN: frozenset({Role.RECEPTION_OFFICER, Role.CLERK}),
    Action.REPORT_VIEW: frozenset({Role.LEADER, Role.UNIT_ADMIN, Role.PROVINCE_ADMIN, Role.MONITOR}),
}

READ_ONLY_ROLES = frozenset({Role.MONITOR})


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that grant `action` (at the unit they are held and below)."""
    return ACTION_ROLES[action]


def grants(role: Role, action: Action) -> bool:
    return role in ACTION_ROLES[action]
