"""The rater's side of the `evaluations` procedure: submitting a sheet, or finishing an item,
completes the rater's own open task for it (through the workflow service, as the rater)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.workflow.human_tasks import complete_task, task_data
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance

PROCESS_KEY = "evaluations"
TASK_OF_WORK = {
    "leader": "leader_rating",
    "leading_group": "group_rating",
    "item": "department_entry",
}


def complete_own_task(
    session: Session, *, actor: Actor, year: int, work_key: str, now: datetime
) -> bool:
    """Complete the actor's open task for `work_key` in the year's procedure; False if none."""
    spec_id = TASK_OF_WORK[work_key.split(":", 1)[0]]
    tasks = session.execute(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.process_key == PROCESS_KEY,
            ProcessInstance.year == year,
            HumanTask.spec_id == spec_id,
            HumanTask.state == HumanTaskState.READY,
            HumanTask.user_id == actor.user_id,
        )
    ).scalars()
    for task in tasks:
        if task_data(session, actor, task).get("work_key") == work_key:
            complete_task(session, actor=actor, task_id=task.id, data={"done": work_key}, now=now)
            return True
    return False
