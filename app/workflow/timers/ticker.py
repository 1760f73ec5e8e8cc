"""APScheduler as the ticker only: it calls `run_tick` every few seconds, and the evidence
store's sweep every hour; the deadlines themselves live in the database (`instance_timers`),
never in an APScheduler job store."""

from __future__ import annotations

import logging
import os
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.auth.actor import Actor
from app.db import utcnow
from app.evidence.storage import storage_root
from app.evidence.sweep import sweep_evidence_store
from app.extensions import db, db_session
from app.workflow.timers.scheduler import run_tick, worker_name

log = logging.getLogger(__name__)
TICK_SECONDS = 10
SWEEP_SECONDS = 3600


def _tick(app: Flask) -> None:
    with app.app_context():
        try:
            fired = run_tick(db_session(), now=utcnow(), worker=worker_name())
            if fired:
                log.info("fired %d timer(s)", fired)
        finally:
            db.session.remove()


def _sweep(app: Flask) -> None:
    """Two schedulers sweeping at once is harmless: removing a removed file is a no-op."""
    with app.app_context():
        try:
            result = sweep_evidence_store(
                db_session(), storage_root(), now=utcnow(), actor=Actor.system("evidence sweep")
            )
            db.session.commit()
            if result.removed:
                log.info("removed %d file(s) of failed uploads", result.removed)
        finally:
            db.session.remove()


def _add_job(scheduler: Any, app: Flask) -> None:
    scheduler.add_job(
        _sweep,
        "interval",
        args=[app],
        seconds=SWEEP_SECONDS,
        id="jixiao-evidence-sweep",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _tick,
        "interval",
        args=[app],
        seconds=app.config.get("SCHEDULER_TICK_SECONDS", TICK_SECONDS),
        id="jixiao-timers",
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow(),
    )


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    """Start the ticker in this serving process (JIXIAO_SCHEDULER=on), once."""
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None  # the reloader's parent process serves nothing
    if app.extensions.get("jixiao_scheduler") is not None:
        return None
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    _add_job(scheduler, app)
    scheduler.start()
    app.extensions["jixiao_scheduler"] = scheduler
    return scheduler


def run_blocking(app: Flask) -> None:
    """`flask scheduler run`: tick until stopped."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, app)
    log.info(
        "scheduler %s ticking every %ss",
        worker_name(),
        app.config.get("SCHEDULER_TICK_SECONDS", TICK_SECONDS),
    )
    scheduler.start()
