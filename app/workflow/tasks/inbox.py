"""Inbox queries: the ready tasks an actor may work, cheaply, with 100,000 open tasks; and the
tasks they completed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, Subquery, and_, false, or_, select, union
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.tasks.search import tasks_matching

MAX_PAGE = 500


def _inbox_index_searches(actor: Actor) -> list[ColumnElement[bool]]:
    """Each way a task can be the actor's, as one condition per inbox-index prefix: their own
    tasks, each global role's (which `assign` never gives a unit), each unit role's in each of
    their units. Every one fixes an index's leading columns, so its tasks come out in listing
    order."""
    conditions: list[ColumnElement[bool]] = []
    if actor.user_id is not None:
        conditions.append(HumanTask.user_id == actor.user_id)
    for role in sorted(actor.roles - UNIT_ROLES):
        conditions.append(and_(HumanTask.role == role, HumanTask.scope_unit_id.is_(None)))
    for role in sorted(actor.roles & UNIT_ROLES):
        for unit_id in sorted(actor.unit_ids_for(role)):
            conditions.append(and_(HumanTask.role == role, HumanTask.scope_unit_id == unit_id))
    return conditions


def _workable_by(actor: Actor) -> ColumnElement[bool]:
    conditions = _inbox_index_searches(actor)
    return or_(*conditions) if conditions else false()


def _listing_order(columns: Any, dialect_name: str) -> tuple[ColumnElement[Any], ...]:
    """Soonest due first, tasks without a due date last. PostgreSQL sorts NULL last in ascending
    order, as the index does; SQLite sorts it first, so it is told."""
    nulls_last = () if dialect_name == "postgresql" else (columns.due_at.is_(None),)
    return (*nulls_last, columns.due_at, columns.created_at, columns.id)


# A listing needs the instance's key, unit and definition, not its saved state or data.
_LISTED_INSTANCE = joinedload(HumanTask.instance).load_only(
    ProcessInstance.process_key,
    ProcessInstance.unit_id,
    ProcessInstance.definition_id,
    ProcessInstance.year,
    ProcessInstance.status,
)


def inbox(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    overdue: bool = False,
    due_by: datetime | None = None,
    process_key: str | None = None,
    unit_id: int | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[HumanTask]:
    """Ready tasks the actor may work, soonest due first; `overdue` keeps the late ones, `due_by`
    those due by that time, `search` those whose task, process or unit it names.

    The page's ids are chosen first, and only those tasks are then joined with their instances
    (joining before sorting sorted every matching row: 10,000 for an office clerk). Each way a
    task can be the actor's is its own index search, cut to the page, and the pieces are merged:
    one query with OR left the choice of index to SQLite's planner, which scanned every ready task.
    """
    require(actor, Permission.BUSINESS)
    query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(
        HumanTask.state == HumanTaskState.READY
    )
    if overdue:
        query = query.where(HumanTask.due_at < now)
    if due_by is not None:  # due by then (tasks without a due date are not)
        query = query.where(HumanTask.due_at <= due_by)
    if process_key or unit_id:
        query = query.join(HumanTask.instance)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if unit_id:
        query = query.where(ProcessInstance.unit_id == unit_id)
    if search and search.strip():
        query = query.where(tasks_matching(search))
    if overdue and actor.can(Permission.SUPERVISE):  # supervisors see all late work
        pieces = [query]
    else:
        pieces = [query.where(condition) for condition in _inbox_index_searches(actor)]
    if not pieces:
        return []
    dialect_name = session.get_bind().dialect.name
    page = _page(pieces, min(limit, MAX_PAGE), offset, dialect_name)
    return (
        session.execute(
            select(HumanTask)
            .join(page, HumanTask.id == page.c.id)
            .options(_LISTED_INSTANCE)
            .order_by(*_listing_order(page.c, dialect_name))
        )
        .scalars()
        .all()
    )


def completed_by(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[HumanTask]:
    """The tasks the actor completed, the latest first (the "已办" list)."""
    require(actor, Permission.BUSINESS)
    if actor.user_id is None:
        return []
    return (
        session.execute(
            select(HumanTask)
            .where(HumanTask.completed_by_id == actor.user_id)
            .order_by(HumanTask.completed_at.desc(), HumanTask.id)
            .limit(min(limit, MAX_PAGE))
            .offset(offset)
            .options(_LISTED_INSTANCE)
        )
        .scalars()
        .all()
    )


def _page(pieces: list[Select[Any]], limit: int, offset: int, dialect_name: str) -> Subquery:
    """The page of the union of `pieces` (id, due_at, created_at): the tasks are loaded by
    joining it, in one round trip."""
    order = _listing_order(HumanTask, dialect_name)
    if len(pieces) == 1:
        return pieces[0].order_by(*order).limit(limit).offset(offset).subquery()
    # SQLite takes ORDER BY and LIMIT in a compound query's parts only inside a subquery. UNION
    # (not ALL): a task that is the actor's in two ways is listed once.
    cut = [select(piece.order_by(*order).limit(limit + offset).subquery()) for piece in pieces]
    merged = union(*cut).subquery()
    return (
        select(merged)
        .order_by(*_listing_order(merged.c, dialect_name))
        .limit(limit)
        .offset(offset)
        .subquery()
    )


def visible_instance(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """The instance if the actor started it, oversees, belongs to its unit or has a task in it."""
    from app.errors import HiddenFromActor, NotFound  # noqa: PLC0415
    from app.workflow.tasks.assignment import OVERSEERS  # noqa: PLC0415

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
