"""The office opens the year's indicator setting for every unit with drafts at once."""

from __future__ import annotations

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
from app.workflow.runtime import start_instance

SETTING = "indicator_setting"


def start_setting_for_all(session: Session, *, actor: Actor, year: int, now: datetime) -> int:
    """Start `indicator_setting` for each unit whose drafts no procedure is working on yet;
    how many were started."""
    require(actor, Permission.RUN_CYCLE)
    codes = session.execute(
        select(Unit.code)
        .join(Indicator, Indicator.unit_id == Unit.id)
        .where(
            Indicator.year == year,
            Indicator.status.in_(EDITABLE),
            Indicator.instance_id.is_(None),
        )
        .distinct()
        .order_by(Unit.code)
    ).scalars()
    started = [
        start_instance(
            session, actor=actor, key=SETTING, unit_code=code, data={"year": year}, now=now
        ).id
        for code in codes
    ]
    record(
        session,
        actor=actor,
        action="indicators.setting_started",
        object_type="year",
        object_id=year,
        after={"instances": started},
        now=now,
    )
    return len(started)
