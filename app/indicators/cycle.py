"""The office opens the year's indicator setting for every unit with drafts at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.indicators.models import Indicator
from app.indicators.procedure import EDITABLE
from app.org.models import Unit
from app.workflow.instances.runtime import start_instance
from app.workflow.models import InstanceStatus, ProcessInstance

SETTING = "indicator_setting"
ADJUSTMENT = "indicator_adjustment"
OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def open_instance_ids(session: Session, key: str, unit_id: int) -> list[int]:
    """The unit's instances of `key` that have not ended (errors included: the office can still
    retry them)."""
    return list(
        session.execute(
            select(ProcessInstance.id).where(
                ProcessInstance.process_key == key,
                ProcessInstance.unit_id == unit_id,
                ProcessInstance.status.in_(OPEN_STATUSES),
            )
        ).scalars()
    )


def units_to_start(session: Session, year: int) -> list[Unit]:
    """Units with editable drafts of the year and no indicator setting open, by code."""
    running = select(ProcessInstance.unit_id).where(
        ProcessInstance.process_key == SETTING,
        ProcessInstance.status.in_(OPEN_STATUSES),
        ProcessInstance.unit_id.is_not(None),
    )
    return list(
        session.execute(
            select(Unit)
            .join(Indicator, Indicator.unit_id == Unit.id)
            .where(
                Indicator.year == year,
                Indicator.status.in_(EDITABLE),
                Indicator.instance_id.is_(None),
                Unit.id.not_in(running),
            )
            .distinct()
            .order_by(Unit.code)
        ).scalars()
    )


def start_setting_for_all(
    session: Session, *, actor: Actor, year: int, now: datetime
) -> Sequence[Unit]:
    """Start `indicator_setting` for each unit with drafts and none open already; the units it
    was started for."""
    require(actor, Permission.RUN_CYCLE)
    units = units_to_start(session, year)
    started = [
        start_instance(
            session, actor=actor, key=SETTING, unit_code=unit.code, data={"year": year}, now=now
        ).id
        for unit in units
    ]
    record(
        session,
        actor=actor,
        action="indicators.setting_started",
        object_type="year",
        object_id=year,
        after={"instances": started, "units": [u.code for u in units]},
        now=now,
    )
    return units
