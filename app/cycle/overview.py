"""What the office's cycle page shows: the year's `annual_cycle` instance and where it stands,
each phase with its date and state, and how many units are at each step of each procedure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.cycle.models import CyclePhase
from app.cycle.phases import PROCEDURES, Phase
from app.cycle.services import year_phases
from app.workflow.instances.queries import DiagramMarks, diagram_marks, process_choices
from app.workflow.models import (
    HumanTask,
    HumanTaskState,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)

PROCESS_KEY = "annual_cycle"


@dataclass(frozen=True)
class StepCount:
    """Open tasks at one step of a procedure: how many units (or instances) stand there."""

    name: str
    units: int


@dataclass
class ProcedureCounts:
    """One per-unit procedure of the year: its instances by status and its open steps."""

    key: str
    name: str
    by_status: dict[str, int] = field(default_factory=dict)
    steps: list[StepCount] = field(default_factory=list)


@dataclass(frozen=True)
class PhaseRow:
    """A phase as the page lists it, with its procedures' counts."""

    row: CyclePhase
    procedures: list[ProcedureCounts]


@dataclass(frozen=True)
class ElementCount:
    """How many units stand at an open step of a phase's procedures, drawn on the phase's
    element of the `annual_cycle` diagram (a year-wide procedure counts its open tasks)."""

    element_id: str
    phase: Phase
    units: int


@dataclass(frozen=True)
class CycleOverview:
    """Everything `/cycle/<year>` shows."""

    year: int
    instance: ProcessInstance | None
    definition: ProcessDefinition | None
    marks: DiagramMarks | None
    phases: list[PhaseRow]
    counts: list[ElementCount] = field(default_factory=list)

    @property
    def diagram_counts(self) -> dict[str, int]:
        """The counts keyed by diagram element id, for the viewer's badges."""
        return {count.element_id: count.units for count in self.counts}


def cycle_instance(session: Session, year: int) -> ProcessInstance | None:
    """The year's latest `annual_cycle` instance, if one was started."""
    return session.execute(
        select(ProcessInstance)
        .where(ProcessInstance.process_key == PROCESS_KEY, ProcessInstance.year == year)
        .order_by(ProcessInstance.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def procedure_counts(session: Session, year: int, keys: list[str]) -> dict[str, ProcedureCounts]:
    """Per procedure key: instances of the year by status, and units at each open step."""
    names = dict(process_choices(session))
    counts = {key: ProcedureCounts(key, names.get(key, key)) for key in keys}
    for key, status, number in session.execute(
        select(ProcessInstance.process_key, ProcessInstance.status, func.count())
        .where(ProcessInstance.year == year, ProcessInstance.process_key.in_(keys))
        .group_by(ProcessInstance.process_key, ProcessInstance.status)
    ).all():
        counts[key].by_status[InstanceStatus(status).value] = number
    for key, name, units, tasks in session.execute(
        select(
            ProcessInstance.process_key,
            HumanTask.name,
            func.count(func.distinct(ProcessInstance.unit_id)),
            func.count(HumanTask.id),
        )
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.year == year,
            ProcessInstance.process_key.in_(keys),
            HumanTask.state == HumanTaskState.READY,
        )
        .group_by(ProcessInstance.process_key, HumanTask.name)
        .order_by(ProcessInstance.process_key, HumanTask.name)
    ).all():
        # A year-wide procedure (evaluations) has no unit: count its people's tasks instead.
        counts[key].steps.append(StepCount(name, units or tasks))
    return counts


def phase_element(phase: Phase) -> str:
    """The `annual_cycle` element that opens the phase (where its count is drawn)."""
    return f"open_{phase.value}"


def element_counts(session: Session, year: int) -> list[ElementCount]:
    """Per phase with procedures: the units at an open step of any of them, each unit once;
    a procedure without a unit (the year's evaluations) adds its open tasks."""
    key_phase = {key: phase for phase in Phase for key in PROCEDURES[phase]}
    units: dict[Phase, set[int]] = {phase: set() for phase in Phase if PROCEDURES[phase]}
    yearwide: dict[Phase, int] = dict.fromkeys(units, 0)
    for key, unit_id, tasks in session.execute(
        select(ProcessInstance.process_key, ProcessInstance.unit_id, func.count(HumanTask.id))
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.year == year,
            ProcessInstance.process_key.in_(list(key_phase)),
            HumanTask.state == HumanTaskState.READY,
        )
        .group_by(ProcessInstance.process_key, ProcessInstance.unit_id)
    ).all():
        phase = key_phase[key]
        if unit_id is None:
            yearwide[phase] += tasks
        else:
            units[phase].add(unit_id)
    return [
        ElementCount(phase_element(phase), phase, len(units[phase]) + yearwide[phase])
        for phase in units
    ]


def _current_marks(
    session: Session, instance: ProcessInstance, phases: list[CyclePhase]
) -> DiagramMarks:
    marks = diagram_marks(session, instance)
    waiting = next((p for p in phases if p.opened_at is None), None)
    current = (
        [f"wait_{waiting.phase.value}"]
        if waiting and instance.status is InstanceStatus.WAITING
        else []
    )
    return DiagramMarks(marks.done, current, marks.failed)


def cycle_overview(session: Session, actor: Actor, year: int, *, now: datetime) -> CycleOverview:
    """The office's view of the year's cycle."""
    require(actor, Permission.RUN_CYCLE)
    phases = year_phases(session, year, now=now)
    instance = cycle_instance(session, year)
    keys = [key for phase in Phase for key in PROCEDURES[phase]]
    counts = procedure_counts(session, year, keys)
    rows = [PhaseRow(p, [counts[k] for k in PROCEDURES[p.phase]]) for p in phases]
    return CycleOverview(
        year,
        instance,
        instance.definition if instance else None,
        _current_marks(session, instance, phases) if instance else None,
        rows,
        element_counts(session, year) if instance else [],
    )
