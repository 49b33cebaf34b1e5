"""The role → action table (pure)."""

import pytest

from motcua.core.domain.permissions import ACTION_ROLES, Action, Role, grants, roles_for


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.RECEPTION_OFFICER, Action.DOSSIER_RECEIVE, True),
        (Role.SPECIALIST, Action.DOSSIER_RECEIVE, False),
        (Role.SPECIALIST, Action.DOSSIER_PROCESS, True),
        (Role.LEADER, Action.DOSSIER_APPROVE, True),
        (Role.SPECIALIST, Action.DOSSIER_APPROVE, False),
        (Role.CLERK, Action.DOSSIER_RETURN, True),
        (Role.MONITOR, Action.DOSSIER_VIEW, True),
        (Role.MONITOR, Action.REPORT_VIEW, True),
        (Role.UNIT_ADMIN, Action.STAFF_MANAGE, True),
        (Role.UNIT_ADMIN, Action.CALENDAR_MANAGE, False),
        (Role.PROVINCE_ADMIN, Action.CALENDAR_MANAGE, True),
        (Role.LEADER, Action.UNIT_MANAGE, False),
    ],
)
def test_grants(role: Role, action: Action, expected: bool) -> None:
    assert grants(role, action) is expected


def test_every_action_has_a_role_and_monitor_never_writes() -> None:
    assert set(ACTION_ROLES) == set(Action)
    for action in Action:
        assert roles_for(action), action
        if action not in (Action.UNIT_VIEW, Action.DOSSIER_VIEW, Action.REPORT_VIEW):
            assert Role.MONITOR not in roles_for(action), action
