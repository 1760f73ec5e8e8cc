"""The year's phase dates (the office edits them), holds and early openings, all audited, and
the gate the `annual_cycle` diagram asks before it opens a phase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.workdays import SHANGHAI
from app.cycle.models import CyclePhase
from app.cycle.phases import Phase, default_date, opening_moment
from app.cycle.readiness import ACTIVE, waiting_for
from app.errors import Conflict, InvalidInput, NotFound
from app.org.models import AssessmentYear
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessInstance

CYCLE_KEY = "annual_cycle"
DAILY_CHECK = time(8, 0)  # a phase whose date has passed is checked again each morning


def year_phases(session: Session, year: int, *, now: datetime) -> list[CyclePhase]:
    """The year's phases in order, created with their default dates the first time."""
    if session.get(AssessmentYear, year) is None:
        raise NotFound(_("There is no assessment year %(year)d.", year=year))
    stored = {
        row.phase: row
        for row in session.execute(select(CyclePhase).where(CyclePhase.year == year)).scalars()
    }
    for phase in Phase:
        if phase not in stored:
            stored[phase] = CyclePhase(
                year=year,
                phase=phase,
                opens_on=default_date(year, phase),
                held=False,
                open_early=False,
                updated_at=now,
            )
            session.add(stored[phase])
    session.flush()
    return [stored[phase] for phase in Phase]


def phase_of(session: Session, year: int, phase: Phase, *, now: datetime) -> CyclePhase:
    """One phase of the year (created with the others if the year has none yet)."""
    return next(row for row in year_phases(session, year, now=now) if row.phase is phase)


def _phase(value: str) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise InvalidInput(
            _("%(phase)s is not a phase of the annual cycle.", phase=value),
            details=[{"path": "phase", "message": "unknown phase"}],
        ) from None


def set_dates(
    session: Session, actor: Actor, year: int, dates: Mapping[str, date], *, now: datetime
) -> list[CyclePhase]:
    """Change the dates of phases not opened yet (audited); a phase already open keeps its date."""
    require(actor, Permission.RUN_CYCLE)
    rows = {row.phase: row for row in year_phases(session, year, now=now)}
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    for name, day in dates.items():
        row = rows[_phase(name)]
        if row.opens_on == day:
            continue
        if row.opened_at is not None:
            problems.append({"path": name, "message": _("This phase is open already.")})
            continue
        before[name], after[name] = row.opens_on.isoformat(), day.isoformat()
        row.opens_on, row.updated_at = day, now
    if problems:
        raise InvalidInput(_("Some dates could not be changed."), details=problems)
    if after:
        record(
            session,
            actor=actor,
            action="cycle.dates_set",
            object_type="year",
            object_id=year,
            before=before,
            after=after,
            now=now,
        )
    return list(rows.values())


def _not_opened(session: Session, year: int, name: str, now: datetime) -> CyclePhase:
    row = phase_of(session, year, _phase(name), now=now)
    if row.opened_at is not None:
        raise Conflict(_("This phase is open already."))
    return row


def open_early(session: Session, actor: Actor, year: int, name: str, *, now: datetime) -> None:
    """Open the phase at the diagram's next check, before its date and whatever it waits for."""
    require(actor, Permission.RUN_CYCLE)
    row = _not_opened(session, year, name, now)
    row.open_early, row.held, row.updated_at = True, False, now
    record(
        session,
        actor=actor,
        action="cycle.open_early",
        object_type="cycle_phase",
        object_id=row.id,
        after={"year": year, "phase": row.phase.value},
        now=now,
    )


def set_held(
    session: Session, actor: Actor, year: int, name: str, *, held: bool, now: datetime
) -> None:
    """Hold the phase (the diagram does not open it until released), or release it (audited)."""
    require(actor, Permission.RUN_CYCLE)
    row = _not_opened(session, year, name, now)
    if row.held == held:
        return
    before = {"held": row.held, "open_early": row.open_early}
    row.held, row.updated_at = held, now
    if held:
        row.open_early = False
    record(
        session,
        actor=actor,
        action="cycle.hold" if held else "cycle.release",
        object_type="cycle_phase",
        object_id=row.id,
        before=before,
        after={"year": year, "phase": row.phase.value, "held": held},
        now=now,
    )


@dataclass(frozen=True)
class Gate:
    """The diagram's answer for a phase: open it now, or check again at `check_at`."""

    open: bool
    check_at: datetime
    reason: str


def _next_morning(now: datetime) -> datetime:
    tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(tomorrow, DAILY_CHECK, tzinfo=SHANGHAI)


def gate(session: Session, year: int, name: str, *, now: datetime) -> Gate:
    """Whether the phase opens now: not held, and either opened early or its date reached with
    the earlier phases' work done. Otherwise when to ask again (its date, or the next morning)."""
    row = phase_of(session, year, _phase(name), now=now)
    if row.held:
        return Gate(False, _next_morning(now), _("held by the office"))
    opens_at = opening_moment(row.opens_on)
    if not row.open_early and now < opens_at:
        return Gate(False, min(opens_at, _next_morning(now)), _("its date has not come"))
    waiting = [] if row.open_early else waiting_for(session, year, row.phase)
    if waiting:
        return Gate(False, _next_morning(now), "；".join(waiting))
    return Gate(True, now, "")


def mark_opened(
    session: Session, actor: Actor, year: int, phase: Phase, *, now: datetime
) -> CyclePhase:
    """Record that the diagram opened the phase (audited)."""
    row = phase_of(session, year, phase, now=now)
    row.opened_at, row.updated_at = now, now
    record(
        session,
        actor=actor,
        action="cycle.phase_opened",
        object_type="cycle_phase",
        object_id=row.id,
        after={"year": year, "phase": phase.value, "early": row.open_early},
        now=now,
    )
    return row


def start_cycle(session: Session, actor: Actor, year: int, *, now: datetime) -> ProcessInstance:
    """Start the year's `annual_cycle` (one per year; Conflict while one runs)."""
    require(actor, Permission.RUN_CYCLE)
    year_phases(session, year, now=now)
    running = session.execute(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == CYCLE_KEY,
            ProcessInstance.year == year,
            ProcessInstance.status.in_(ACTIVE),
        )
    ).first()
    if running:
        raise Conflict(_("The annual cycle of %(year)d is already running.", year=year))
    return start_instance(session, actor=actor, key=CYCLE_KEY, data={"year": year}, now=now)
