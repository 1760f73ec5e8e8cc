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
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit.signing import sign_daily_head
from app.auth.actor import Actor
from app.auth.services import purge_stale_sessions
from app.notifications.channels import channels_for
from app.notifications.outbox import dispatch
from app.workflow.instances.process_starts import claim_due_starts, fire_start
from app.workflow.instances.runtime import advance, load_run, lock_instance
from app.workflow.models import InstanceStatus, InstanceTimer
from app.workflow.timers.task_deadlines import alert_due_tasks
from app.workflow.timers.timer_rows import open_timer_rows, sync_timer_rows, waiting_timers

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
TIMERS_PER_COMMIT = 20
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
    owner = select(InstanceTimer.instance_id).where(InstanceTimer.id == timer_id).scalar_subquery()
    instance = lock_instance(session, owner)
    rows = open_timer_rows(session, instance.id)  # read after the lock: current
    row = next((r for r in rows if r.id == timer_id), None)
    if row is None or row.claimed_by != worker:
        return False  # done already, or another scheduler took over after our lease ran out
    if instance.status is not InstanceStatus.WAITING:
        row.done_at = now
        return False
    run = load_run(session, instance, Actor.system("scheduler"))
    if row.task_id not in waiting_timers(run.workflow):
        sync_timer_rows(session, instance.id, waiting_timers(run.workflow), now=now, rows=rows)
        return False
    advance(session, run, now=now, timer_rows=rows)
    if row.done_at is None:  # the engine's clock says not yet: give the claim back
        row.lease_until = row.claimed_by = None
    return True


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
    # A few timers share a commit (commits are the costly part); if one of them fails, the
    # batch is rolled back and fired again one timer per commit, so one bad timer stops no other.
    for first in range(0, len(claimed), TIMERS_PER_COMMIT):
        batch = claimed[first : first + TIMERS_PER_COMMIT]
        try:
            fired += sum(fire_timer(session, timer_id=t, worker=worker, now=now) for t in batch)
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
