"""Working the `appeal` procedure through the API, as the unit and the office would."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from tests.indicators.drive import done, only_task, work
from tests.workflow.helpers import bearer, start


def deliver(client: FlaskClient, unit_code: str, delivered_at: datetime) -> dict[str, Any]:
    """The office starts the unit's `appeal` procedure for 2026's results."""
    return start(
        client,
        bearer(client, "office1"),
        "appeal",
        unit_code=unit_code,
        data={"year": 2026, "delivered_at": delivered_at.isoformat()},
    )


def file_appeal(
    client: FlaskClient, staff: str, text: str = "第1项指标已全部完成，请予复核。"
) -> Any:
    """The unit's staff uploads the signed appeal document and files the appeal."""
    headers = bearer(client, staff)
    task = only_task(client, headers, "respond")
    upload = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n appeal"), "申诉书.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    done(
        client,
        headers,
        task,
        response="appeal",
        appeal_text=text,
        appeal_document=upload.get_json()["id"],
    )
    return upload.get_json()["id"]


def sign(client: FlaskClient, head: str) -> dict[str, Any]:
    """The unit head signs the appeal; returns the task as it was."""
    return work(client, head, "head_sign", head_decision="approve", head_comment="同意申诉")


def review(client: FlaskClient, **answers: Any) -> dict[str, Any]:
    """office1 decides; `corrected` maps an input key to its new value. Returns the task."""
    headers = bearer(client, "office1")
    task = only_task(client, headers, "office_review")
    corrected = answers.pop("corrected", {})
    rows = [
        {**row, "corrected": corrected.get(row["key"], "")} for row in task["data"]["corrections"]
    ]
    done(client, headers, task, corrections=rows, **answers)
    return task
