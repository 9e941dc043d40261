"""Roles and what each may do, checked in the core so no UI path or direct call can skip it.

Every core function that reads or changes something a role restricts takes a
:class:`~sayonce.trust.principal.Principal` and calls :func:`require` first.
"""

from __future__ import annotations

from enum import StrEnum

from sayonce.store.agents import Role
from sayonce.trust.principal import Principal


class Permission(StrEnum):
    """One thing a signed-in user may be allowed to do."""

    VIEW_PROFILE = "view_profile"  # open a customer's profile, timeline and brief
    EDIT_PROFILE = "edit_profile"  # edit customer fields, add or link identities
    EDIT_NOTES = "edit_notes"  # write and edit notes
    DECIDE_SUGGESTION = "decide_suggestion"  # accept or dismiss a suggestion during a contact
    SET_CONSENT = "set_consent"  # record a customer's consent or opt-out (they tell the agent)
    MERGE_CUSTOMERS = "merge_customers"  # merge duplicates and undo merges (both audited)
    REVIEW_SUGGESTIONS = "review_suggestions"  # read the review queue and history, give verdicts
    APPROVE_ACTIONS = "approve_actions"  # approve or reject high-risk actions
    EDIT_PLAYBOOK = "edit_playbook"  # edit, enable and retire playbook actions
    VIEW_ANALYTICS = "view_analytics"  # acceptance and outcome rates
    EXPORT_REPORTS = "export_reports"  # export review history and analytics (no personal files)
    VIEW_AUDIT = "view_audit"  # read and verify the audit log
    EXPORT_DATA = "export_data"  # privacy request: everything about one person, as a file
    ERASE_DATA = "erase_data"  # privacy request: erase a person
    IMPORT_DATA = "import_data"  # load data from CRM, orders, telephony, surveys
    MANAGE_USERS = "manage_users"  # add, disable users and reset passwords


_AGENT = frozenset(
    {
        Permission.VIEW_PROFILE,
        Permission.EDIT_PROFILE,
        Permission.EDIT_NOTES,
        Permission.DECIDE_SUGGESTION,
        Permission.SET_CONSENT,
        Permission.MERGE_CUSTOMERS,
    }
)
_SUPERVISOR = _AGENT | {
    Permission.REVIEW_SUGGESTIONS,
    Permission.APPROVE_ACTIONS,
    Permission.EDIT_PLAYBOOK,
    Permission.VIEW_ANALYTICS,
    Permission.EXPORT_REPORTS,
    Permission.VIEW_AUDIT,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}


class PermissionDenied(PermissionError):
    """The signed-in user's role does not allow this; ``str()`` says who, what and which role."""

    def __init__(self, principal: Principal, permission: Permission) -> None:
        """Build the message from who tried and what they needed."""
        allowed = sorted(
            role.value for role, perms in ROLE_PERMISSIONS.items() if permission in perms
        )
        super().__init__(
            f"{principal.username} (role {principal.role!s}) may not "
            f"{permission.value.replace('_', ' ')}: that needs the role {' or '.join(allowed)}."
        )
        self.principal = principal
        self.permission = permission


def permissions_of(role: Role | str) -> frozenset[Permission]:
    """Everything ``role`` may do; an unknown role may do nothing."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def can(principal: Principal, permission: Permission) -> bool:
    """Whether ``principal`` may do ``permission`` (for greying out buttons)."""
    return permission in permissions_of(principal.role)


def require(principal: Principal, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``principal`` may do ``permission``."""
    if not can(principal, permission):
        raise PermissionDenied(principal, permission)
