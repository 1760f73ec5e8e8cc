"""Who may work a human task (SPEC §1, CONTRACT): lanes name roles, unit lanes are scoped to the
instance's unit, the leader lane is the unit's leader in charge, and a diagram without lanes
belongs to its starter and the office staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import RoleGrant, User
from app.auth.roles import BUSINESS_ROLES, UNIT_ROLES, Permission, Role
from app.org.models import Unit, UnitMembership
from app.workflow.definitions.element_names import element_names
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance

# Roles that see every task of the instances they may see (to reassign, chase, or fix).
OVERSEERS = frozenset({Role.OFFICE_STAFF, Role.OFFICE_DIRECTOR, Role.SUPERVISOR})


@dataclass(frozen=True)
class Assignment:
    """Holders of `role` (within `scope_unit_id` for unit roles), or user `user_id`, work it."""

    role: Role | None
    scope_unit_id: int | None
    user_id: int | None


def _leader_of(session: Session, instance: ProcessInstance) -> int | None:
    if instance.unit_id is None:
        return None
    query = select(UnitMembership.leader_id).where(UnitMembership.unit_id == instance.unit_id)
    if instance.year is not None:
        query = query.where(UnitMembership.year == instance.year)
    return session.execute(query.order_by(UnitMembership.year.desc()).limit(1)).scalar()


def _does_business_work() -> ColumnElement[bool]:
    has_business_role = (
        select(RoleGrant.id)
        .where(RoleGrant.user_id == User.id, RoleGrant.role.in_(BUSINESS_ROLES))
        .exists()
    )
    return User.is_active.is_(True) & has_business_role


def assignable_users(session: Session) -> list[tuple[str, str]]:
    """(user name, display name) of the accounts a task can be reassigned to: active, with a
    business role (administrators work no tasks)."""
    rows = session.execute(
        select(User.username, User.display_name)
        .where(_does_business_work())
        .order_by(User.username)
    ).all()
    return [(username, name) for username, name in rows]


def is_assignable(session: Session, user_id: int) -> bool:
    """Whether a task can be reassigned to the user (see `assignable_users`)."""
    found = session.execute(select(User.id).where(User.id == user_id, _does_business_work()))
    return found.first() is not None


def unit_id_for(session: Session, code: Any) -> int | None:
    """A unit id from a unit code, if there is such a unit."""
    if not isinstance(code, str) or not code.strip():
        return None
    return session.execute(select(Unit.id).where(Unit.code == code.strip())).scalar_one_or_none()


def user_id_for(session: Session, who: Any) -> int | None:
    """A user id from an assignee value: a user name or a numeric id."""
    if isinstance(who, int) and not isinstance(who, bool):
        return who if session.get(User, who) else None
    if isinstance(who, str) and who.strip():
        return session.execute(
            select(User.id).where(User.username == who.strip().lower())
        ).scalar_one_or_none()
    return None


def assign(
    session: Session,
    instance: ProcessInstance,
    settings: dict[str, Any],
    uses_lanes: bool,
    assignee: Any,
    *,
    unit_id: int | None = None,
) -> Assignment:
    """Resolve who works a new task from its settings and the evaluated assignee expression;
    a unit lane goes to `unit_id` when the task names its own unit, else the instance's."""
    if assignee is not None:
        user_id = user_id_for(session, assignee)
        if user_id is not None:
            return Assignment(None, None, user_id)
    role = role_of_task(settings)
    if role is None:
        if uses_lanes:
            return Assignment(Role.OFFICE_STAFF, None, None)
        return Assignment(Role.OFFICE_STAFF, None, instance.started_by_id)
    if role in UNIT_ROLES:
        return Assignment(role, unit_id or instance.unit_id, None)
    if role is Role.PROVINCIAL_LEADER:
        leader_id = _leader_of(session, instance)
        if leader_id is not None:
            return Assignment(None, None, leader_id)
    return Assignment(role, None, None)


def role_of_task(settings: dict[str, Any]) -> Role | None:
    """The role a user task goes to: its lane's, else its first candidate group."""
    groups = settings.get("candidate_groups") or []
    role_code = settings.get("role") or (groups[0] if groups else None)
    return Role(role_code) if role_code else None


def can_work(actor: Actor, task: HumanTask) -> bool:
    """Whether the actor may claim and complete the task."""
    if actor.user_id is not None and task.user_id == actor.user_id:
        return True
    if task.role is None or task.role not in actor.roles:
        return False
    if task.role in UNIT_ROLES:
        return task.scope_unit_id in actor.unit_ids_for(task.role)
    return True


def can_see(actor: Actor, task: HumanTask, instance_unit_id: int | None) -> bool:
    """Whether the actor may know the task exists (else it is reported as not found)."""
    if can_work(actor, task) or (actor.roles & OVERSEERS and actor.can(Permission.BUSINESS)):
        return True
    own_units = actor.unit_ids_for(*UNIT_ROLES)
    return instance_unit_id is not None and instance_unit_id in own_units


def staffed_roles(session: Session) -> set[tuple[Role, int | None]]:
    """The (role, unit) pairs that at least one active account holds (unit None for roles not
    tied to a unit): a task for a pair outside it has nobody who can work it."""
    rows = session.execute(
        select(RoleGrant.role, RoleGrant.unit_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(User.is_active.is_(True))
        .distinct()
    ).all()
    return {(role, unit_id if role in UNIT_ROLES else None) for role, unit_id in rows}


def nobody_can_work(task: HumanTask, staffed: set[tuple[Role, int | None]]) -> bool:
    """Whether no active account may work the task (it waits for the office to reassign it)."""
    if task.user_id is not None or task.role is None:
        return task.user_id is None
    return (task.role, task.scope_unit_id if task.role in UNIT_ROLES else None) not in staffed


def tasks_nobody_can_work(session: Session, tasks: list[HumanTask]) -> list[HumanTask]:
    """The tasks among `tasks` that no active account may work."""
    staffed = staffed_roles(session)
    return [task for task in tasks if nobody_can_work(task, staffed)]


def steps_nobody_can_work(session: Session, instance: ProcessInstance) -> list[str]:
    """The names of the instance's steps that would reach nobody: its open tasks no active
    account may work, and the steps of a unit role that nobody in the instance's unit holds
    (steps with an assignee or a unit of their own are judged when they open)."""
    names = element_names(instance.definition)
    open_tasks = session.execute(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY
        )
    ).scalars()
    found = {task.spec_id: task.name for task in tasks_nobody_can_work(session, list(open_tasks))}
    staffed = staffed_roles(session)
    for spec_id, settings in instance.definition.task_settings.items():
        role = role_of_task(settings)
        if role is None or settings.get("unit") or settings.get("assignee"):
            continue
        scope = instance.unit_id if role in UNIT_ROLES else None
        if (role in UNIT_ROLES and scope is None) or role is Role.PROVINCIAL_LEADER:
            continue  # no unit to judge; a leader step goes to the unit's leader by name
        if (role, scope) not in staffed:
            found.setdefault(spec_id, names.get(spec_id, spec_id))
    return list(found.values())


def nobody_warnings(step_names: list[str]) -> list[str]:
    """What a starter is told about steps that would reach nobody."""
    return [
        _(
            "Nobody can work the step “%(step)s”: the office must give it to a named person.",
            step=name,
        )
        for name in step_names
    ]
