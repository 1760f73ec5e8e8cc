"""the data each human task completed with

An instance's saved state keeps only the part of the task tree that can still affect the run
(issue 17): a completed task's data is kept on its row, for its page and the API. Rows of tasks
completed before this revision are filled from the instances' saved states.

Revision ID: a7c3e19d5b42
Revises: 5d2f8a6b1c3e
Create Date: 2026-12-04 05:35:00.000000

"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e19d5b42'
down_revision = '5d2f8a6b1c3e'
branch_labels = None
depends_on = None


def _plain(value: Any) -> Any:
    """SpiffWorkflow's typed values ({"typename": …, "value": …}) as their text."""
    if isinstance(value, dict):
        if set(value) == {"typename", "value"}:
            return value["value"] if not isinstance(value["value"], dict) else _plain(value["value"])
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _task_data(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every task's whole data, from the per-task deltas (parents come before their children)."""
    data: dict[str, dict[str, Any]] = {}
    trees = [state.get("tasks", {})] + [sp.get("tasks", {}) for sp in state.get("subprocesses", {}).values()]
    for tasks in trees:
        for task_id, task in tasks.items():
            delta = task.get("delta")
            parent = task.get("parent")
            if delta and parent in data:
                own = dict(data[parent])
                own.update(delta.get("updates", {}))
                for key in delta.get("deletions", []):
                    own.pop(key, None)
            else:
                own = dict(task.get("data") or {})
            data[task_id] = own
    return data


def upgrade():
    op.add_column('human_tasks', sa.Column('completed_data', sa.JSON(), nullable=True))
    bind = op.get_bind()
    done = bind.execute(
        sa.text(
            "SELECT h.id, i.id, i.state_json FROM human_tasks h "
            "JOIN process_instances i ON i.id = h.instance_id "
            "WHERE h.state = 'completed' ORDER BY i.id"
        )
    ).all()
    tasks = sa.table('human_tasks', sa.column('id', sa.String), sa.column('completed_data', sa.JSON))
    states: dict[int, dict[str, dict[str, Any]]] = {}
    for task_id, instance_id, state_json in done:
        if instance_id not in states:
            states = {instance_id: _task_data(json.loads(state_json)) if state_json else {}}
        found = states[instance_id].get(task_id)
        if found is not None:
            bind.execute(
                tasks.update().where(tasks.c.id == task_id).values(completed_data=_plain(found))
            )


def downgrade():
    op.drop_column('human_tasks', 'completed_data')
