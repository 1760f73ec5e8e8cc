"""Firing due timers exactly once, however many schedulers run.

A tick claims due rows of `instance_timers` with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL;
on SQLite the claiming UPDATE runs under the database write lock), then fires each claimed timer
in its own transaction: lock the instance, let the engine run, and mark the row done in that same
transaction. A scheduler that dies after claiming leaves a lease that runs out, and the timer is
claimed again (its `attempts` show it). Timers that fell due while no scheduler ran are simply due.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, undefer

from app.audit.signing import sign_daily_head
from app.auth.actor import Actor
from app.auth.services import purge_stale_sessions
from app.calendar.services import calendar_source
from app.db_batch import WriteBatch
from app.notifications.channels import channels_for
from app.notifications.outbox import dispatch
from app.workflow.instances.process_starts import claim_due_starts, fire_start
from app.workflow.instances.runtime import advance, load_run
from app.workflow.models import HumanTask, InstanceStatus, InstanceTimer, ProcessInstance
from app.workflow.tasks.inbox_sync import open_tasks_of
from app.workflow.timers.task_deadlines import alert_due_tasks
from app.workflow.timers.timer_rows import open_timer_rows_of, sync_timer_rows, waiting_timers

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
TIMERS_PER_COMMIT = 50
BATCH = 100


def worker_name() -> str:
    """This process, as it appears in `claimed_by`."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def claim_due_timers(
    session: Session, *, worker: str, now: datetime, limit: int = BATCH
) -> list[int]:
    """Lease up to `limit` due, unclaimed (or expired) timers to `worker`; their ids."""
    due = (
        select(InstanceTimer.id)
        .where(
            InstanceTimer.done_at.is_(None),
            InstanceTimer.due_at <= now,
            (InstanceTimer.lease_until.is_(None)) | (InstanceTimer.lease_until < now),
        )
        .order_by(InstanceTimer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        session.execute(
            update(InstanceTimer)
            .where(InstanceTimer.id.in_(due.scalar_subquery()))
            .values(lease_until=now + LEASE, claimed_by=worker, attempts=InstanceTimer.attempts + 1)
            .returning(InstanceTimer.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    return sorted(claimed)


def fire_timer(session: Session, *, timer_id: int, worker: str, now: datetime) -> bool:
    """Fire one claimed timer; True if the engine advanced its instance."""
    return fire_timers(session, timer_ids=[timer_id], worker=worker, now=now) == 1


_INSTANCES_OF_TIMERS = (
    select(ProcessInstance)
    .where(
        ProcessInstance.id.in_(
            select(InstanceTimer.instance_id).where(
                InstanceTimer.id.in_(bindparam("timer_ids", expanding=True))
            )
        )
    )
    .order_by(ProcessInstance.id)  # every batch locks in the same order
    .options(undefer(ProcessInstance.state_json))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def fire_timers(session: Session, *, timer_ids: list[int], worker: str, now: datetime) -> int:
    """Fire claimed timers in the caller's transaction; how many advanced their instance.

    A batch reads the database four times, whatever its size: its instances locked in one
    statement, their open timer rows and open tasks, the calendar's revision. The engine work
    stays per instance (each is loaded and advanced on its own); their writes are sent together
    at the end, in one round trip on PostgreSQL."""
    instances = list(session.execute(_INSTANCES_OF_TIMERS, {"timer_ids": timer_ids}).scalars())
    ids = [instance.id for instance in instances]
    timer_rows: dict[int, list[InstanceTimer]] = {instance_id: [] for instance_id in ids}
    for row in open_timer_rows_of(session, ids):
        timer_rows[row.instance_id].append(row)
    open_tasks: dict[int, list[HumanTask]] = {instance_id: [] for instance_id in ids}
    for task in open_tasks_of(session, ids):
        open_tasks[task.instance_id].append(task)
    calendars = calendar_source(session)
    claimed = set(timer_ids)
    writes = WriteBatch()
    fired = 0
    for instance in instances:
        rows = timer_rows[instance.id]
        mine = [r for r in rows if r.id in claimed and r.claimed_by == worker]
        if not mine:
            continue  # done already, or another scheduler took over after our lease ran out
        if instance.status is not InstanceStatus.WAITING:
            for row in mine:
                row.done_at = now
            continue
        run = load_run(session, instance, Actor.system("scheduler"), calendars())
        run.tasks_read = open_tasks[instance.id]
        waiting = waiting_timers(run.workflow)
        if not any(row.task_id in waiting for row in mine):
            sync_timer_rows(session, instance.id, waiting, now=now, rows=rows)
            continue
        advance(session, run, now=now, timer_rows=rows, send=False)
        writes.extend(run.writes)
        fired += 1
        for row in mine:
            if row.done_at is None:  # the engine's clock says not yet: give the claim back
                row.lease_until = row.claimed_by = None
    writes.send(session)
    return fired


def run_tick(session: Session, *, now: datetime, worker: str | None = None) -> int:
    """Send due alerts and messages, start due processes, claim and fire every due timer.
    Returns how many timers and starts fired."""
    worker = worker or worker_name()
    alert_due_tasks(session, now=now)
    purge_stale_sessions(session, now=now)
    sign_daily_head(session, now=now)
    session.commit()
    dispatch(session, channels_for(current_app.config), now=now)
    fired = _start_due_processes(session, worker=worker, now=now)
    claimed = claim_due_timers(session, worker=worker, now=now)
    session.commit()
    # Timers are fired in batches, one transaction each; if one of them fails, the batch is
    # rolled back and fired again one timer per commit, so one bad timer stops no other.
    for first in range(0, len(claimed), TIMERS_PER_COMMIT):
        batch = claimed[first : first + TIMERS_PER_COMMIT]
        try:
            fired += fire_timers(session, timer_ids=batch, worker=worker, now=now)
            session.commit()
        except Exception:
            session.rollback()
            fired += _fire_one_by_one(session, batch, worker=worker, now=now)
    return fired


def _fire_one_by_one(session: Session, timer_ids: list[int], *, worker: str, now: datetime) -> int:
    fired = 0
    for timer_id in timer_ids:
        try:
            fired += fire_timer(session, timer_id=timer_id, worker=worker, now=now)
            session.commit()
        except Exception:  # the lease runs out and another tick tries again
            session.rollback()
            log.exception("timer %s failed; it will be retried after its lease", timer_id)
    return fired


def _start_due_processes(session: Session, *, worker: str, now: datetime) -> int:
    claimed = claim_due_starts(session, worker=worker, now=now)
    session.commit()
    started = 0
    for start_id in claimed:
        try:
            started += fire_start(session, start_id=start_id, worker=worker, now=now) is not None
            session.commit()
        except Exception:
            session.rollback()
            log.exception("scheduled start %s failed; it will be retried", start_id)
    return started
