"""Timer benchmark (issue 4): 10,000 instances whose timers fall due at once, advanced by one
scheduler process, then by two running together; prints the time, and the counts of timers fired
twice and missed. PostgreSQL only (`TEST_DATABASE_URL` or the local server).

Run: `.venv/bin/python -m bench.timers [--count 10000]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select

from app.db import utcnow
from app.extensions import db
from app.workflow.models import InstanceEvent, InstanceTimer, ProcessInstance
from bench.setup import deploy_as_owner, make_app, postgres_url, seed

WAIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="bench_wait" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1S"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def prepare(url: str, count: int) -> None:
    """One real instance waiting on its timer, cloned `count - 1` times with due timer rows."""
    app = make_app(url)
    seed(app)
    client = app.test_client()
    office = deploy_as_owner(client, "wait.bpmn", WAIT)
    client.post("/api/v1/process-instances", headers=office, json={"process_key": "bench_wait"})
    time.sleep(1.1)
    with app.app_context():
        template = db.session.execute(select(ProcessInstance)).scalar_one()
        timer = db.session.execute(select(InstanceTimer)).scalar_one()
        due = utcnow() - timedelta(seconds=1)
        for offset in range(0, count - 1, 2000):
            rows = [
                {
                    "definition_id": template.definition_id,
                    "process_key": "bench_wait",
                    "status": template.status,
                    "year": 2026,
                    "started_at": due,
                    "updated_at": due,
                    "state_json": template.state_json,
                    "data": {},
                    "next_timer_at": due,
                    "row_version": 1,
                }
                for _ in range(min(2000, count - 1 - offset))
            ]
            ids = (
                db.session.execute(insert(ProcessInstance).returning(ProcessInstance.id), rows)
                .scalars()
                .all()
            )
            db.session.execute(
                insert(InstanceTimer),
                [
                    {
                        "instance_id": i,
                        "task_id": timer.task_id,
                        "element_id": "wait",
                        "due_at": due,
                        "attempts": 0,
                    }
                    for i in ids
                ],
            )
        db.session.commit()
        db.engine.dispose()


def _scheduler(url: str, name: str) -> None:
    from app import create_app
    from app.workflow.timers.scheduler import run_tick

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        while run_tick(db.session, now=utcnow(), worker=name):
            pass
        db.engine.dispose()


def run(url: str, schedulers: int) -> float:
    """Seconds until every due timer fired, with `schedulers` processes ticking together."""
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    processes = [
        context.Process(target=_scheduler, args=(url, f"bench-{n}")) for n in range(schedulers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.perf_counter() - started


def counts(url: str) -> tuple[int, int, int]:
    """(instances, timers fired twice, timers never fired)."""
    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        total = db.session.execute(select(func.count(ProcessInstance.id))).scalar_one()
        fired = Counter(
            db.session.execute(
                select(InstanceEvent.instance_id).where(InstanceEvent.kind == "timer_fired")
            ).scalars()
        )
        db.engine.dispose()
    twice = sum(1 for n in fired.values() if n > 1)
    return total, twice, total - len(fired)


@dataclass(frozen=True)
class TimerFigures:
    """One run: how long until every due timer fired, and the timers fired twice or missed."""

    total: int
    seconds: float
    twice: int
    missed: int


def timers_due_at_once(count: int, schedulers: int) -> TimerFigures:
    """`count` timers due at once on a fresh database, fired by `schedulers` processes."""
    url = postgres_url(f"jixiao_bench_timers_{schedulers}")
    prepare(url, count)
    seconds = run(url, schedulers)
    total, twice, missed = counts(url)
    return TimerFigures(total, seconds, twice, missed)


def main() -> None:
    """One scheduler, then two, on fresh databases."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    for schedulers in (1, 2):
        figures = timers_due_at_once(args.count, schedulers)
        print(
            f"{schedulers} scheduler(s): {figures.total} timers in {figures.seconds:.1f} s "
            f"({figures.total / figures.seconds:.0f}/s); fired twice: {figures.twice}; "
            f"missed: {figures.missed}"
        )


if __name__ == "__main__":
    main()
