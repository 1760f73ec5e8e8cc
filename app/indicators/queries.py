"""What the indicator pages show: a unit's indicators, the key tasks it leads, the office board."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.indicators.models import Indicator, IndicatorStatus, KeyTask, KeyTaskUnit
from app.org.models import Unit, UnitMembership
from app.progress.queries import ReportLateness, report_lateness
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance

SETTING = "indicator_setting"
UNIT_PROCEDURES = frozenset({SETTING, "indicator_adjustment"})


def open_steps(session: Session, instance_ids: Sequence[int]) -> dict[int, list[HumanTask]]:
    """The open tasks of each procedure instance: where an indicator stands in it."""
    steps: dict[int, list[HumanTask]] = {i: [] for i in instance_ids}
    if not instance_ids:
        return steps
    for task in session.execute(
        select(HumanTask)
        .where(
            HumanTask.instance_id.in_(list(set(instance_ids))),
            HumanTask.state == HumanTaskState.READY,
        )
        .order_by(HumanTask.created_at)
    ).scalars():
        steps[task.instance_id].append(task)
    return steps


def unit_indicators(session: Session, year: int, unit_id: int) -> Sequence[Indicator]:
    """A unit's indicators in a year, key tasks first."""
    return (
        session.execute(
            select(Indicator)
            .where(Indicator.year == year, Indicator.unit_id == unit_id)
            .options(joinedload(Indicator.key_task))
            .order_by(Indicator.kind.desc(), Indicator.id)
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class LedTask:
    """A key task a unit leads, with the indicator of each responsible unit."""

    task: KeyTask
    indicators: list[tuple[Unit, Indicator | None]]


def led_key_tasks(session: Session, year: int, unit_id: int) -> list[LedTask]:
    """The key tasks `unit_id` leads (§9), each with its responsible units' indicators."""
    tasks = session.execute(
        select(KeyTask)
        .where(KeyTask.year == year, KeyTask.lead_unit_id == unit_id)
        .order_by(KeyTask.number)
    ).scalars()
    led = []
    for task in tasks:
        rows = session.execute(
            select(Unit, Indicator)
            .join(KeyTaskUnit, KeyTaskUnit.unit_id == Unit.id)
            .outerjoin(
                Indicator, (Indicator.key_task_id == task.id) & (Indicator.unit_id == Unit.id)
            )
            .where(KeyTaskUnit.key_task_id == task.id)
            .order_by(Unit.code)
        ).all()
        led.append(LedTask(task, [(unit, indicator) for unit, indicator in rows]))
    return led


@dataclass(frozen=True)
class BoardLine:
    """One unit on the office board: its category, indicator counts by status, overdue steps
    of its indicator setting, and its overdue and missing progress reports."""

    membership: UnitMembership
    counts: Counter[IndicatorStatus]
    late_setting_steps: int
    reports: ReportLateness

    @property
    def behind(self) -> bool:
        """Whether anything of the unit is late (the board highlights it)."""
        return bool(self.late_setting_steps or self.reports.overdue or self.reports.missing)


def _late_setting_steps(session: Session, year: int, now: datetime) -> dict[int, int]:
    rows = session.execute(
        select(ProcessInstance.unit_id, func.count())
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.process_key == SETTING,
            ProcessInstance.year == year,
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at < now,
        )
        .group_by(ProcessInstance.unit_id)
    ).all()
    return {int(unit_id): int(count) for unit_id, count in rows if unit_id is not None}


def office_board(session: Session, actor: Actor, year: int, now: datetime) -> list[BoardLine]:
    """Every unit of the year with its indicators counted by status (office staff)."""
    require(actor, Permission.RUN_CYCLE)
    counts: dict[int, Counter[IndicatorStatus]] = {}
    for unit_id, status in session.execute(
        select(Indicator.unit_id, Indicator.status).where(Indicator.year == year)
    ):
        counts.setdefault(unit_id, Counter())[status] += 1
    members = session.execute(
        select(UnitMembership)
        .where(UnitMembership.year == year)
        .options(joinedload(UnitMembership.unit))
        .join(UnitMembership.unit)
        .order_by(UnitMembership.category, Unit.code)
    ).scalars()
    late_steps = _late_setting_steps(session, year, now)
    lateness = report_lateness(session, year, now)
    on_time = ReportLateness(0, 0)
    return [
        BoardLine(
            m,
            counts.get(m.unit_id, Counter()),
            late_steps.get(m.unit_id, 0),
            lateness.get(m.unit_id, on_time),
        )
        for m in members
    ]


def own_unit_id(actor: Actor) -> int | None:
    """The unit a unit-role actor works for (the first, if several)."""
    units = sorted(actor.unit_ids_for(*UNIT_ROLES))
    return units[0] if units else None
