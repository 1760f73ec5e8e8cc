"""Writing the rows of an engine step with Core statements, keeping the session's objects in step.

Every completion writes the instance row, the completed task, the new tasks and the events. The
ORM's flush of those objects was a fifth of a completion's time, and waiting for each statement
in turn most of the rest on PostgreSQL. These prebuilt statements are queued in the run's
`WriteBatch` and sent together at the end of the step; the objects are marked as saved at once
(`set_committed_value`, `make_transient_to_detached`), so the flush at commit has nothing left to
do. Rarer changes (cancelled tasks, timer rows) still go through the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Insert, Table, bindparam, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.db_batch import WriteBatch
from app.errors import Conflict
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance

_INSTANCES = cast(Table, ProcessInstance.__table__)
_HUMAN_TASKS = cast(Table, HumanTask.__table__)

# What an engine step changes on the instance row; `save_step` writes all of them.
_STEP_COLUMNS = (
    "status",
    "error_message",
    "error_element",
    "completed_at",
    "state_json",
    "data",
    "next_timer_at",
    "deadlines_provisional",
    "updated_at",
)

_SAVE_STEP = (
    update(_INSTANCES)
    .where(
        _INSTANCES.c.id == bindparam("instance_id"),
        _INSTANCES.c.row_version == bindparam("seen_version"),
    )
    .values(
        row_version=bindparam("new_version"),
        **{name: bindparam(f"new_{name}") for name in _STEP_COLUMNS},
    )
)

_COMPLETE_READY_TASK = (
    update(_HUMAN_TASKS)
    .where(
        _HUMAN_TASKS.c.id == bindparam("task_id"),
        _HUMAN_TASKS.c.state == HumanTaskState.READY,
    )
    .values(
        state=HumanTaskState.COMPLETED,
        completed_by_id=bindparam("by_id"),
        completed_at=bindparam("at"),
        completed_data=bindparam("data"),
    )
)


def _upsert_human_tasks(dialect_name: str) -> Insert:
    # A task the engine makes ready again keeps its id; when its old row was not read before the
    # step (the completion reads only the open ones), the new row replaces it.
    upsert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = upsert(_HUMAN_TASKS)
    return statement.on_conflict_do_update(
        index_elements=[_HUMAN_TASKS.c.id],
        set_={c.name: statement.excluded[c.name] for c in _HUMAN_TASKS.columns if c.name != "id"},
    )


_UPSERT_HUMAN_TASKS = {name: _upsert_human_tasks(name) for name in ("postgresql", "sqlite")}


def save_step(writes: WriteBatch, instance: ProcessInstance, step: dict[str, Any]) -> None:
    """Queue the UPDATE of the instance row with the step's columns where its version is still the
    one read; sending it raises a Conflict if another transaction moved it (the row lock makes that
    a bug, not a race)."""
    values = {name: step.get(name, getattr(instance, name)) for name in _STEP_COLUMNS}
    seen = instance.row_version
    writes.add(
        _SAVE_STEP,
        {
            "instance_id": instance.id,
            "seen_version": seen,
            "new_version": seen + 1,
            **{f"new_{name}": value for name, value in values.items()},
        },
        # The same answer as the ORM's version check gives (StaleDataError) elsewhere.
        if_not_one=lambda: Conflict(
            _("Someone else changed this at the same time. Reload and try again.")
        ),
    )
    for name, value in values.items():
        set_committed_value(instance, name, value)
    set_committed_value(instance, "row_version", seen + 1)


def complete_ready_task(
    writes: WriteBatch,
    task: HumanTask,
    *,
    by_id: int | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Queue marking the task completed, with the data it completed with, if it is still ready;
    sending it raises a Conflict if it is not."""
    writes.add(
        _COMPLETE_READY_TASK,
        {"task_id": task.id, "by_id": by_id, "at": at, "data": data},
        if_not_one=lambda: Conflict(_("The task is no longer open.")),
    )
    set_committed_value(task, "state", HumanTaskState.COMPLETED)
    set_committed_value(task, "completed_by_id", by_id)
    set_committed_value(task, "completed_at", at)
    set_committed_value(task, "completed_data", data)


def insert_human_tasks(session: Session, writes: WriteBatch, tasks: Sequence[HumanTask]) -> None:
    """Queue the INSERT of new tasks and attach them to the session as saved rows."""
    if not tasks:
        return
    keys = [attribute.key for attribute in inspect(HumanTask).column_attrs]
    rows = []
    for task in tasks:
        row = {key: getattr(task, key) for key in keys}
        for key, value in row.items():
            setattr(task, key, value)  # unset attributes would be expired: reading one would SELECT
        rows.append(row)
    writes.add(_UPSERT_HUMAN_TASKS[session.get_bind().dialect.name], rows)
    for task in tasks:
        make_transient_to_detached(task)
        session.add(task)
