"""Files uploaded for a task's form (a file field's value is the stored file's id)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.errors import AccessDenied, Conflict
from app.evidence.models import EvidenceFile
from app.evidence.services import store_evidence
from app.workflow.models import HumanTaskState
from app.workflow.tasks.assignment import can_work
from app.workflow.tasks.human_tasks import visible_task


def attach_to_task(
    session: Session, *, actor: Actor, task_id: str, name: str, content: bytes, now: datetime
) -> EvidenceFile:
    """Store a file for a ready task the actor may work, filed under the task's instance and
    unit so the people of that procedure can read it."""
    task = visible_task(session, actor, task_id)
    if not can_work(actor, task):
        raise AccessDenied(_("This task is not yours to work."))
    if task.state is not HumanTaskState.READY:
        raise Conflict(_("This task is closed."))
    return store_evidence(
        session,
        actor=actor,
        name=name,
        content=content,
        unit_id=task.instance.unit_id,
        instance_id=task.instance_id,
        now=now,
    )
