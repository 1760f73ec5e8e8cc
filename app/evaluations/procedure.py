"""The rater's side of the `evaluations` procedure: submitting a sheet, or finishing an item,
completes the rater's own open task for it (through the workflow service, as the rater). Pages
call these; a client of the API completes the task itself once the work is finished."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.evaluations import departments, grid
from app.evaluations.models import DepartmentItem, SheetKind
from app.org.models import Unit
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.tasks.assignment import can_work
from app.workflow.tasks.human_tasks import complete_task, task_data

PROCESS_KEY = "evaluations"
TASK_OF_WORK = {
    "leader": "leader_rating",
    "leading_group": "group_rating",
    "lead_unit": "lead_unit_rating",
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
        )
    ).scalars()
    for task in tasks:
        # a rater's own task, or their lead unit's (any of its staff may complete it)
        if can_work(actor, task) and task_data(session, actor, task).get("work_key") == work_key:
            complete_task(session, actor=actor, task_id=task.id, data={"done": work_key}, now=now)
            return True
    return False


def save_sheet(
    session: Session,
    *,
    actor: Actor,
    year: int,
    kind: SheetKind,
    entries: Mapping[str, grid.GridEntry],
    submit: bool,
    now: datetime,
    unit_code: str | None = None,
) -> bool:
    """Save or submit the rater's grid (`unit_code`: the lead unit of a lead unit's sheet); a
    submission completes the rater's task, or their lead unit's. True if it did."""
    sheet = grid.save_grid(
        session,
        actor=actor,
        year=year,
        kind=kind,
        entries=entries,
        submit=submit,
        now=now,
        unit_code=unit_code,
    )
    rating_unit = session.get(Unit, sheet.unit_id) if sheet.unit_id is not None else None
    work_key = f"{kind.value}:{rating_unit.code if rating_unit else actor.name}"
    return submit and complete_own_task(session, actor=actor, year=year, work_key=work_key, now=now)


def save_item(
    session: Session,
    *,
    actor: Actor,
    year: int,
    item: DepartmentItem,
    entries: Mapping[str, departments.ItemEntry],
    now: datetime,
) -> bool:
    """Store the department's entries; once every unit is entered, its task is completed. True
    if it was."""
    departments.save_item(session, actor=actor, year=year, item=item, entries=entries, now=now)
    work_key = f"item:{item.value}"
    return departments.is_complete(session, year, item) and complete_own_task(
        session, actor=actor, year=year, work_key=work_key, now=now
    )
