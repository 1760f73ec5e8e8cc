"""Advancing an instance whose timers have fallen due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.workflow.instances.runtime import advance, load_run, lock_instance
from app.workflow.models import InstanceStatus, ProcessInstance


def fire_due_timers(
    session: Session, *, instance_id: int, now: datetime, actor: Actor | None = None
) -> ProcessInstance:
    """Let every due timer of the instance fire and run the engine until it waits again."""
    instance = lock_instance(session, instance_id)
    if instance.status is not InstanceStatus.WAITING:
        return instance
    run = load_run(session, instance, actor or Actor.system("timer"))
    advance(session, run, now=now)
    return instance
