"""Working the shipped procedures' tasks through the API, as each role would."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.workflow.helpers import bearer, complete, inbox


def only_task(client: FlaskClient, headers: dict[str, str], spec_id: str) -> dict[str, Any]:
    """The caller's one open task at `spec_id`, with its form and data."""
    tasks = [t for t in inbox(client, headers) if t["spec_id"] == spec_id]
    assert len(tasks) == 1, inbox(client, headers)
    response = client.get(f"/api/v1/tasks/{tasks[0]['id']}", headers=headers)
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def done(client: FlaskClient, headers: dict[str, str], task: dict[str, Any], **data: Any) -> None:
    """Complete the task, which must succeed."""
    response = complete(client, headers, task["id"], **data)
    assert response.status_code == 200, response.get_json()


def work(client: FlaskClient, username: str, spec_id: str, **data: Any) -> dict[str, Any]:
    """`username` completes their task at `spec_id` with `data`; returns the task as it was."""
    headers = bearer(client, username)
    task = only_task(client, headers, spec_id)
    done(client, headers, task, **data)
    return task


def weighted(rows: list[dict[str, Any]], weights: list[float]) -> list[dict[str, Any]]:
    """The draft rows with these weights."""
    return [{**row, "weight": weight} for row, weight in zip(rows, weights, strict=True)]


def draft_and_sign(
    client: FlaskClient, unit: str, head: str, extra: list[dict[str, Any]] | None = None
) -> None:
    """The unit spreads 80 points over its drafts (plus `extra` duties); its head signs."""
    task = only_task(client, bearer(client, unit), "draft")
    rows = task["data"]["indicators"]
    extra = extra or []
    free = 80 - sum(float(r.get("weight", 0)) for r in extra)
    share = [round(free / len(rows), 2)] * len(rows)
    share[-1] = round(free - sum(share[:-1]), 2)
    done(client, bearer(client, unit), task, indicators=[*weighted(rows, share), *extra])
    work(client, head, "head_signoff", signed=True, head_decision="approve")


def review_and_approve(client: FlaskClient, leader: str, opinion: str = "指标设置合理") -> None:
    """The office sends the drafts to expert1, who passes them; the leader approves."""
    work(client, "office1", "office_check", office_decision="review", experts=["expert1"])
    work(client, "expert1", "expert_review", opinion=opinion, recommendation="pass")
    work(client, "office1", "consolidate", consolidation="to_leader")
    work(client, leader, "leader_approval", leader_decision="approve")
