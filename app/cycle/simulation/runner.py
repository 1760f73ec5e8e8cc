"""Run a province-year: seed it, start `annual_cycle`, move a frozen clock through the year twice
a day, tick the real scheduler and let the people work; summarise (CONTRACT's JSON)."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.appeals.models import ResultDelivery
from app.cycle.models import CyclePhase
from app.cycle.services import set_dates, start_cycle
from app.cycle.simulation import DEFAULT_YEAR
from app.cycle.simulation.people import People
from app.cycle.simulation.province import Province, seed_province
from app.cycle.simulation.throwaway import throwaway_database
from app.signoff.models import FinalGrade
from app.workflow.models import (
    HumanTask,
    HumanTaskState,
    InstanceEvent,
    InstanceStatus,
    InstanceTimer,
    ProcessInstance,
    ProcessStart,
)
from app.workflow.timers.scheduler import run_tick

STEP = timedelta(minutes=1)
BAD_REVIEWS = 3


def next_moment(session: Session, now: datetime, also: list[datetime]) -> datetime | None:
    """The next time anything is due (a timer, a scheduled start, a task's reminder, deadline
    or escalation, someone's postponed work), a minute after it; None when nothing is."""
    open_task = HumanTask.state == HumanTaskState.READY
    queries: list[Any] = [
        select(func.min(InstanceTimer.due_at)).where(
            InstanceTimer.done_at.is_(None), InstanceTimer.due_at > now
        ),
        select(func.min(ProcessStart.due_at)).where(
            ProcessStart.done_at.is_(None), ProcessStart.due_at > now
        ),
        select(func.min(HumanTask.remind_at)).where(
            open_task, HumanTask.reminded_at.is_(None), HumanTask.remind_at > now
        ),
        select(func.min(HumanTask.due_at)).where(
            open_task, HumanTask.overdue_at.is_(None), HumanTask.due_at > now
        ),
        select(func.min(HumanTask.escalate_at)).where(
            open_task, HumanTask.escalated_at.is_(None), HumanTask.escalate_at > now
        ),
    ]
    found = [session.execute(q).scalar_one_or_none() for q in queries]
    due = [moment for moment in [*found, *also] if moment is not None and moment > now]
    return min(due) + STEP if due else None


class Simulation:
    """One run; `run` returns the summary."""

    def __init__(
        self,
        session: Session,
        *,
        units: int,
        ratings: int,
        seed: int,
        secret_key: str,
        year: int = DEFAULT_YEAR,
        phase_dates: Mapping[str, date] | None = None,
    ) -> None:
        self.session, self.units, self.ratings, self.year = session, units, ratings, year
        self.phase_dates = dict(phase_dates or {})  # the office's dates where not the defaults
        self.last_day = datetime(year + 1, 7, 31, tzinfo=UTC)  # the year's work is long done
        self.rng = random.Random(seed)  # noqa: S311 - simulated choices, not security
        self.secret_key = secret_key
        self.timers_fired = 0
        self.phase_seconds: dict[str, float] = {}
        self.province: Province | None = None

    def run(self) -> dict[str, Any]:
        """Simulate the year; the CONTRACT summary with seconds per phase."""
        import time_machine  # noqa: PLC0415 - only the simulation needs a frozen clock

        started = time.perf_counter()
        moment = datetime(self.year, 1, 2, 1, 0, tzinfo=UTC)
        with time_machine.travel(moment, tick=False) as clock:
            province = seed_province(
                self.session,
                units=self.units,
                year=self.year,
                seed=self.rng.randint(0, 10**6),
                now=moment,
            )
            self.province = province
            people = People(province, self.rng, self.secret_key, moment)
            if self.ratings:
                people.bulk_ratings(self.session, self.ratings)
            office = province.actor("office1")
            set_dates(self.session, office, self.year, self.phase_dates, now=moment)
            cycle = start_cycle(self.session, office, self.year, now=moment)
            self.session.commit()
            reviews = sorted(
                moment + timedelta(days=self.rng.randrange(30, 330), hours=2)
                for _ in range(BAD_REVIEWS)
            )
            phase_started, current = time.perf_counter(), "setup"
            while self._running(cycle.id):
                clock.move_to(moment)
                self.timers_fired += run_tick(self.session, now=moment, worker="simulation")
                while reviews and reviews[0] <= moment:
                    reviews.pop(0)
                    people.bad_review(self.session, moment)
                people.office_duties(self.session, moment)
                self.session.commit()
                people.work(self.session, moment)
                opened = self._latest_opened()
                if opened and opened != current:
                    now_seconds = time.perf_counter()
                    self.phase_seconds[current] = round(now_seconds - phase_started, 2)
                    phase_started, current = now_seconds, opened
                following = next_moment(self.session, moment, [*people.waiting(), *reviews])
                if following is None or following > self.last_day:
                    break
                moment = following
            self.phase_seconds[current] = round(time.perf_counter() - phase_started, 2)
            return self._summary(people, time.perf_counter() - started)

    def _running(self, instance_id: int) -> bool:
        status = self.session.execute(
            select(ProcessInstance.status).where(ProcessInstance.id == instance_id)
        ).scalar_one()
        return status in (InstanceStatus.RUNNING, InstanceStatus.WAITING)

    def _latest_opened(self) -> str | None:
        row = self.session.execute(
            select(CyclePhase.phase)
            .where(CyclePhase.year == self.year, CyclePhase.opened_at.is_not(None))
            .order_by(CyclePhase.opened_at.desc(), CyclePhase.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else row.value

    def _summary(self, people: People, seconds: float) -> dict[str, Any]:
        session = self.session
        statuses = Counter(
            InstanceStatus(s).value
            for s in session.execute(select(ProcessInstance.status)).scalars()
        )
        errors = [
            {
                "id": i.id,
                "process_key": i.process_key,
                "element": i.error_element,
                "message": i.error_message,
            }
            for i in session.execute(
                select(ProcessInstance).where(ProcessInstance.status == InstanceStatus.ERROR)
            ).scalars()
        ]
        grades: dict[str, Counter[str]] = {}
        for final in session.execute(select(FinalGrade)).scalars():
            grades.setdefault(final.category.value, Counter())[final.grade.value] += 1
        appeals = Counter(d.state.value for d in session.execute(select(ResultDelivery)).scalars())
        return {
            "year": self.year,
            "units": self.units,
            "ratings": self.ratings,
            "instances": sum(statuses.values()),
            "instances_by_status": dict(statuses),
            "instances_by_process": dict(
                Counter(session.execute(select(ProcessInstance.process_key)).scalars())
            ),
            "tasks": session.execute(select(func.count(HumanTask.id))).scalar_one(),
            "tasks_completed_by_people": people.completed,
            "timers_fired": self.timers_fired,
            "events": session.execute(select(func.count(InstanceEvent.id))).scalar_one(),
            "appeals": {
                "filed": len(people.filler.appealed),
                "late": people.late_appeals,
                "by_state": dict(appeals),
            },
            "late_reports": sum(self.province.truth.late_reports.values()) if self.province else 0,
            "grades": {category: dict(counts) for category, counts in grades.items()},
            "errors": errors,
            "seconds": round(seconds, 2),
            "seconds_per_phase": self.phase_seconds,
        }


def simulate_in_throwaway_database(
    *,
    units: int,
    ratings: int,
    seed: int,
    year: int = DEFAULT_YEAR,
    postgresql: str | None = None,
    then: Callable[[Flask], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build an app on a throwaway database (a temporary SQLite file, or a database created on
    the `postgresql` server and dropped after), migrate it, run the simulation there; `then`
    (a benchmark's measurements) runs on the same database afterwards and adds to the summary."""
    from flask_migrate import upgrade  # noqa: PLC0415

    from app import create_app  # noqa: PLC0415
    from app.extensions import db, db_session  # noqa: PLC0415

    with throwaway_database(postgresql) as (url, path):
        app = create_app(
            "development",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "UPLOAD_DIR": str(path / "uploads"),
                "SCHEDULER_ENABLED": False,
            },
        )
        with app.app_context():
            upgrade(directory=str(Path(app.root_path).parent / "migrations"))
            try:
                summary = Simulation(
                    db_session(),
                    units=units,
                    ratings=ratings,
                    seed=seed,
                    secret_key=app.config["SECRET_KEY"],
                    year=year,
                ).run()
                database = {"database": make_url(url).get_backend_name()}
                return summary | database | (then(app) if then else {})
            finally:
                db.session.remove()
                db.engine.dispose()
