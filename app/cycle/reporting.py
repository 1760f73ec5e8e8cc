"""Monthly reporting as the annual cycle drives it. The `progress_reporting` diagram's timer
start fires on the first of every month and starts one report per unit, but only for a month
whose year has its reporting phase opened by that year's `annual_cycle` (on the phase's date in
the year's scheme, or early, or after a hold); opening the phase starts the month just ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.cycle.models import CyclePhase
from app.cycle.phases import Phase
from app.progress.periods import reported_period
from app.progress.reports import reporting_units
from app.workflow.instances.runtime import start_instance

REPORTING_KEY = "progress_reporting"


def reporting_opened(session: Session, year: int) -> bool:
    """Whether the year's annual cycle has opened its monthly reporting."""
    opened = session.execute(
        select(CyclePhase.opened_at).where(
            CyclePhase.year == year, CyclePhase.phase == Phase.REPORTING
        )
    ).scalar_one_or_none()
    return opened is not None


def monthly_starts(session: Session, *, due_at: datetime) -> list[dict[str, Any]]:
    """The timer start's set at `due_at`: one start per unit that reports on the month before,
    if that month's year has its reporting open; none otherwise."""
    year, _period, _last = reported_period(due_at)
    return reporting_units(session, due_at=due_at) if reporting_opened(session, year) else []


def start_month_just_ended(session: Session, actor: Actor, year: int, now: datetime) -> int:
    """On opening the year's reporting: the reports on the month before `now`, if that month
    is in `year` (opened in January, the first report waits for February's timer)."""
    if reported_period(now)[0] != year:
        return 0
    starts = reporting_units(session, due_at=now)
    for start in starts:
        start_instance(
            session,
            actor=actor,
            key=REPORTING_KEY,
            unit_code=start["unit_code"],
            data=start["data"],
            now=now,
        )
    return len(starts)
