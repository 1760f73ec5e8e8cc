"""What the indicator pages show: a unit's indicators, the key tasks it leads, the office board."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.indicators.models import Indicator, IndicatorStatus, KeyTask, KeyTaskUnit
from app.org.models import Unit, UnitMembership


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
    """One unit on the office board: its category and indicator counts by status."""

    membership: UnitMembership
    counts: Counter[IndicatorStatus]


def office_board(session: Session, actor: Actor, year: int) -> list[BoardLine]:
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
    return [BoardLine(m, counts.get(m.unit_id, Counter())) for m in members]


def own_unit_id(actor: Actor) -> int | None:
    """The unit a unit-role actor works for (the first, if several)."""
    units = sorted(actor.unit_ids_for(*UNIT_ROLES))
    return units[0] if units else None
