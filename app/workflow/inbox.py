"""Inbox queries: the ready tasks an actor may work, cheaply, with 100,000 open tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance

MAX_PAGE = 500


def _workable_by(actor: Actor) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if actor.user_id is not None:
        conditions.append(HumanTask.user_id == actor.user_id)
    global_roles = sorted(actor.roles - UNIT_ROLES)
    if global_roles:
        conditions.append(HumanTask.role.in_(global_roles))
    for role in sorted(actor.roles & UNIT_ROLES):
        units = sorted(actor.unit_ids_for(role))
        if units:
            conditions.append(and_(HumanTask.role == role, HumanTask.scope_unit_id.in_(units)))
    return or_(*conditions) if conditions else false()


def inbox(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    overdue: bool = False,
    process_key: str | None = None,
    unit_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[HumanTask]:
    """Ready tasks the actor may work, soonest due first."""
    require(actor, Permission.BUSINESS)
    query = select(HumanTask).where(HumanTask.state == HumanTaskState.READY)
    if overdue:
        query = query.where(HumanTask.due_at < now)
    if not (overdue and actor.can(Permission.SUPERVISE)):  # supervisors see all late work
        query = query.where(_workable_by(actor))
    if process_key or unit_id:
        query = query.join(HumanTask.instance)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if unit_id:
        query = query.where(ProcessInstance.unit_id == unit_id)
    # A listing needs the instance's key, unit and definition, not its saved state or data.
    listed = joinedload(HumanTask.instance).load_only(
        ProcessInstance.process_key,
        ProcessInstance.unit_id,
        ProcessInstance.definition_id,
        ProcessInstance.year,
        ProcessInstance.status,
    )
    query = query.options(listed).order_by(
        HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id
    )
    return session.execute(query.limit(min(limit, MAX_PAGE)).offset(offset)).scalars().all()


def visible_instance(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """The instance if the actor started it, oversees, belongs to its unit or has a task in it."""
    from app.errors import HiddenFromActor, NotFound  # noqa: PLC0415
    from app.workflow.assignment import OVERSEERS  # noqa: PLC0415

    require(actor, Permission.BUSINESS)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(_("No such process instance."))
    if (
        instance.started_by_id == actor.user_id
        or actor.roles & OVERSEERS
        or (instance.unit_id is not None and instance.unit_id in actor.unit_ids_for(*UNIT_ROLES))
    ):
        return instance
    has_task = session.execute(
        select(HumanTask.id)
        .where(HumanTask.instance_id == instance.id, _workable_by(actor))
        .limit(1)
    ).first()
    if has_task is None:
        raise HiddenFromActor(_("No such process instance."))
    return instance
