"""Read-side queries for the workflow pages: instance lists, history, diagram marks, sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.workflow.models import (
    HumanTask,
    HumanTaskState,
    InstanceEvent,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)
from app.workflow.tasks.assignment import OVERSEERS
from app.workflow.tasks.search import instances_matching

DONE_EVENTS = ("task_completed", "timer_fired")


def visible_instances(
    session: Session,
    actor: Actor,
    *,
    status: InstanceStatus | None = None,
    process_key: str | None = None,
    unit_id: int | None = None,
    search: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[ProcessInstance]:
    """Instances the actor may see, newest first."""
    require(actor, Permission.BUSINESS)
    query = select(ProcessInstance).options(joinedload(ProcessInstance.definition))
    if not actor.roles & OVERSEERS:
        units = sorted(actor.unit_ids_for(*UNIT_ROLES))
        query = query.where(
            or_(ProcessInstance.started_by_id == actor.user_id, ProcessInstance.unit_id.in_(units))
        )
    if status is not None:
        query = query.where(ProcessInstance.status == status)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if unit_id:
        query = query.where(ProcessInstance.unit_id == unit_id)
    if search and search.strip():
        query = query.where(instances_matching(search))
    newest_first = query.order_by(ProcessInstance.id.desc()).limit(limit).offset(offset)
    return session.execute(newest_first).scalars().all()


def process_choices(session: Session) -> list[tuple[str, str]]:
    """(key, name of its newest version) of every deployed process, by name: the pages' process
    filters offer names, not keys."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.name).join(
            newest,
            (newest.c.key == ProcessDefinition.key)
            & (newest.c.version == ProcessDefinition.version),
        )
    ).all()
    return sorted(((key, name) for key, name in rows), key=lambda row: (row[1], row[0]))


def open_tasks_of(session: Session, instance: ProcessInstance) -> Sequence[HumanTask]:
    """The instance's ready tasks, oldest first."""
    return (
        session.execute(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY)
            .order_by(HumanTask.created_at, HumanTask.id)
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One engine event of an instance, with the name of who caused it (None for the engine)."""

    event: InstanceEvent
    actor_name: str | None


def instance_history(
    session: Session, instance: ProcessInstance, *, people_only: bool = False
) -> list[HistoryEntry]:
    """The instance's events in order, each with its actor's display name; `people_only`: only
    what people did (the engine's own steps left out)."""
    rows = session.execute(
        select(InstanceEvent, User.display_name)
        .join(User, User.id == InstanceEvent.actor_id, isouter=not people_only)
        .where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.id)
    ).all()
    return [HistoryEntry(event, name) for event, name in rows]


@dataclass(frozen=True)
class DiagramMarks:
    """Element ids to colour in the viewer."""

    done: list[str]
    current: list[str]
    failed: list[str]


def diagram_marks(session: Session, instance: ProcessInstance) -> DiagramMarks:
    """Finished steps, open tasks and the failed element of an instance."""
    done = (
        session.execute(
            select(InstanceEvent.element_id)
            .where(
                InstanceEvent.instance_id == instance.id,
                InstanceEvent.kind.in_(DONE_EVENTS),
                InstanceEvent.element_id.is_not(None),
            )
            .distinct()
        )
        .scalars()
        .all()
    )
    current = (
        session.execute(
            select(HumanTask.spec_id).where(
                HumanTask.instance_id == instance.id, HumanTask.state == HumanTaskState.READY
            )
        )
        .scalars()
        .all()
    )
    failed = [instance.error_element] if instance.error_element else []
    return DiagramMarks(sorted(e for e in done if e), sorted(current), failed)


def main_diagram(definition: ProcessDefinition) -> str | None:
    """The XML of the file that declares the definition's process (for the viewer)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for text in definition.files.values():
        try:
            root = etree.fromstring(text.encode(), parser=parser)
        except etree.XMLSyntaxError:
            continue
        for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
            if process.get("id") == definition.key:
                return text
    return None


def definitions_overview(session: Session) -> list[tuple[ProcessDefinition, int]]:
    """Every deployed version with its number of unfinished instances, newest first per key."""
    running = (
        select(ProcessInstance.definition_id, func.count().label("n"))
        .where(
            ProcessInstance.status.in_(
                [InstanceStatus.WAITING, InstanceStatus.RUNNING, InstanceStatus.ERROR]
            )
        )
        .group_by(ProcessInstance.definition_id)
        .subquery()
    )
    rows = session.execute(
        select(ProcessDefinition, func.coalesce(running.c.n, 0))
        .outerjoin(running, running.c.definition_id == ProcessDefinition.id)
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    ).all()
    return [(definition, int(count)) for definition, count in rows]
