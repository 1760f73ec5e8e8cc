"""The `annual_cycle` diagram opens each phase on its date, not before; a held phase waits until
released; a phase opened early opens at the next check; each change is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.services import actor_for
from app.cycle import services
from app.cycle.models import CyclePhase
from app.cycle.phases import Phase
from app.extensions import db
from app.org.models import Unit
from app.workflow.models import InstanceStatus, ProcessInstance
from app.workflow.timers.scheduler import run_tick


def _office() -> Actor:
    return actor_for(
        db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    )


def _tick_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        run_tick(db.session, now=moment, worker="test")
        db.session.commit()


def _count(key: str) -> int:
    return db.session.execute(
        select(func.count(ProcessInstance.id)).where(ProcessInstance.process_key == key)
    ).scalar_one()


def _phase(phase: Phase) -> CyclePhase:
    return db.session.execute(
        select(CyclePhase).where(CyclePhase.year == 2026, CyclePhase.phase == phase)
    ).scalar_one()


def _actions() -> list[str]:
    return list(db.session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_phases_open_on_their_dates_and_hold_and_early_opening_are_honoured(
    province: dict[str, Unit],
) -> None:
    start = datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        instance = services.start_cycle(db.session, _office(), 2026, now=start)
        db.session.commit()
    assert instance.status is InstanceStatus.WAITING
    assert _count("indicator_setting") == 0

    _tick_at(datetime(2026, 1, 9, 2, 0, tzinfo=UTC))  # the day before: nothing opens
    assert _count("indicator_setting") == 0
    _tick_at(datetime(2026, 1, 10, 1, 5, tzinfo=UTC))  # 09:00 China time on its date
    assert _count("indicator_setting") == len(province)
    assert _phase(Phase.INDICATOR_SETTING).opened_at is not None

    office = _office()
    services.set_held(db.session, office, 2026, "reporting", held=True, now=start)
    db.session.commit()
    _tick_at(datetime(2026, 2, 1, 1, 0, tzinfo=UTC))
    _tick_at(datetime(2026, 2, 2, 0, 0, tzinfo=UTC))
    assert _phase(Phase.REPORTING).opened_at is None
    services.set_held(db.session, office, 2026, "reporting", held=False, now=start)
    services.open_early(db.session, office, 2026, "reporting", now=start)
    db.session.commit()
    _tick_at(datetime(2026, 2, 3, 0, 5, tzinfo=UTC))  # the next morning's check
    assert _phase(Phase.REPORTING).opened_at is not None

    services.open_early(db.session, office, 2026, "evaluations", now=start)
    db.session.commit()
    _tick_at(datetime(2026, 2, 4, 0, 5, tzinfo=UTC))
    assert _phase(Phase.EVALUATIONS).opened_at is not None
    assert _count("evaluations") == 1
    actions = _actions()
    for action in ("cycle.hold", "cycle.release", "cycle.open_early", "cycle.phase_opened"):
        assert action in actions


def test_dates_are_edited_until_the_phase_opens(province: dict[str, Unit]) -> None:
    now = datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    office = _office()
    services.set_dates(db.session, office, 2026, {"scoring": date(2027, 2, 8)}, now=now)
    db.session.commit()
    assert _phase(Phase.SCORING).opens_on == date(2027, 2, 8)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "cycle.dates_set")
    ).scalar_one()
    assert entry.object_id == "2026"
