"""Roles: what an agent, a supervisor and an admin may do, with a message that says why not."""

from __future__ import annotations

import pytest

from sayonce.store import Role
from sayonce.trust.permissions import Permission, PermissionDenied, can, permissions_of, require
from sayonce.trust.principal import Principal

AGENT = Principal("ann", Role.AGENT, 1)
SUPERVISOR = Principal("sam", Role.SUPERVISOR, 2)
ADMIN = Principal("ada", Role.ADMIN, 3)


@pytest.mark.parametrize(
    "permission",
    [
        Permission.REVIEW_SUGGESTIONS,
        Permission.EXPORT_DATA,
        Permission.ERASE_DATA,
        Permission.EDIT_PLAYBOOK,
        Permission.MANAGE_USERS,
        Permission.APPROVE_ACTIONS,
    ],
)
def test_agent_is_refused_supervisor_and_admin_work(permission: Permission) -> None:
    assert not can(AGENT, permission)
    with pytest.raises(PermissionDenied) as caught:
        require(AGENT, permission)
    message = str(caught.value)
    assert "ann" in message and "agent" in message and permission.value.split("_")[0] in message


def test_agent_can_do_the_daily_work() -> None:
    for permission in (Permission.VIEW_PROFILE, Permission.EDIT_NOTES, Permission.SET_CONSENT):
        require(AGENT, permission)


def test_supervisor_reviews_but_does_not_answer_privacy_requests() -> None:
    require(SUPERVISOR, Permission.REVIEW_SUGGESTIONS)
    require(SUPERVISOR, Permission.EDIT_PLAYBOOK)
    with pytest.raises(PermissionDenied, match="needs the role admin"):
        require(SUPERVISOR, Permission.ERASE_DATA)


def test_roles_are_nested_and_admin_may_do_everything() -> None:
    assert permissions_of(Role.AGENT) < permissions_of(Role.SUPERVISOR) < permissions_of(Role.ADMIN)
    assert permissions_of(Role.ADMIN) == frozenset(Permission)
    assert can(Principal.system(), Permission.IMPORT_DATA)


def test_unknown_role_may_do_nothing() -> None:
    ghost = Principal("ghost", "janitor", None)  # type: ignore[arg-type]
    assert permissions_of("janitor") == frozenset()
    with pytest.raises(PermissionDenied, match="role janitor"):
        require(ghost, Permission.VIEW_PROFILE)
