"""The roles of SPEC §1 and what each may do."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """Role codes exactly as SPEC §1 names them."""

    OFFICE_STAFF = "office_staff"
    OFFICE_DIRECTOR = "office_director"
    UNIT_STAFF = "unit_staff"
    UNIT_HEAD = "unit_head"
    EXPERT = "expert"
    PROVINCIAL_LEADER = "provincial_leader"
    LEADING_GROUP = "leading_group"
    DEPT_ASSESSOR = "dept_assessor"
    COMMITTEE_SECRETARY = "committee_secretary"
    PROCESS_OWNER = "process_owner"
    SUPERVISOR = "supervisor"
    SYSADMIN = "sysadmin"
    SECADMIN = "secadmin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        """The role's name in the user's language."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.OFFICE_STAFF: _l("Performance office staff"),
    Role.OFFICE_DIRECTOR: _l("Performance office director"),
    Role.UNIT_STAFF: _l("Unit staff"),
    Role.UNIT_HEAD: _l("Unit head"),
    Role.EXPERT: _l("Review expert"),
    Role.PROVINCIAL_LEADER: _l("Provincial leader"),
    Role.LEADING_GROUP: _l("Leading group member"),
    Role.DEPT_ASSESSOR: _l("Assessing department"),
    Role.COMMITTEE_SECRETARY: _l("Committee secretary"),
    Role.PROCESS_OWNER: _l("Process owner"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.SYSADMIN: _l("System administrator"),
    Role.SECADMIN: _l("Security administrator"),
    Role.AUDITOR: _l("Audit administrator"),
}

ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
UNIT_ROLES = frozenset({Role.UNIT_STAFF, Role.UNIT_HEAD})
BUSINESS_ROLES = frozenset(Role) - ADMIN_ROLES


class Permission(StrEnum):
    """What a role may do; pages and services check permissions, not role names."""

    MANAGE_USERS = "manage_users"
    MANAGE_UNITS = "manage_units"
    CONFIGURE = "configure"  # system settings such as the working-day calendar
    GRANT_ROLES = "grant_roles"
    READ_AUDIT = "read_audit"
    BUSINESS = "business"  # any business work: inboxes, indicators, scores
    RUN_CYCLE = "run_cycle"
    SUPERVISE = "supervise"
    EDIT_PROCESSES = "edit_processes"
    EVALUATE = "evaluate"  # year-end evaluation work: rating sheets, departmental items
    APPROVE_OFFICE_PROPOSALS = "approve_office_proposals"  # the director: P deductions, bonuses


_ADMIN_PERMISSIONS = {
    Role.SYSADMIN: frozenset({Permission.MANAGE_USERS, Permission.CONFIGURE}),
    Role.SECADMIN: frozenset({Permission.GRANT_ROLES}),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
}
_EXTRA_BUSINESS_PERMISSIONS = {
    Role.OFFICE_STAFF: frozenset(
        {Permission.RUN_CYCLE, Permission.SUPERVISE, Permission.MANAGE_UNITS, Permission.EVALUATE}
    ),
    Role.OFFICE_DIRECTOR: frozenset(
        {
            Permission.RUN_CYCLE,
            Permission.SUPERVISE,
            Permission.EVALUATE,
            Permission.APPROVE_OFFICE_PROPOSALS,
        }
    ),
    Role.PROVINCIAL_LEADER: frozenset({Permission.EVALUATE}),
    Role.LEADING_GROUP: frozenset({Permission.EVALUATE}),
    Role.DEPT_ASSESSOR: frozenset({Permission.EVALUATE}),
    Role.SUPERVISOR: frozenset({Permission.SUPERVISE}),
    Role.PROCESS_OWNER: frozenset({Permission.EDIT_PROCESSES}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """The permissions `role` carries; administrators carry no business permission."""
    if role in ADMIN_ROLES:
        return _ADMIN_PERMISSIONS[role]
    return frozenset({Permission.BUSINESS}) | _EXTRA_BUSINESS_PERMISSIONS.get(role, frozenset())
