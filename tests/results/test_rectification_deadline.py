"""The office sets the deadline of the rectification a result orders, in working days (1–60,
20 when left as it is); the `rectification` procedure carries it and dues the report by it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.calendar.services import working_calendar
from app.extensions import db
from app.results.models import RectificationOrder
from app.workflow.models import HumanTask, ProcessInstance
from tests.factories import page_csrf, sign_in
from tests.signoff.province import finalize, make_province, store
from tests.workflow.helpers import bearer, upload

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = datetime(2027, 3, 25, 2, 0, tzinfo=UTC)
YEARS = (2024, 2025, 2026)


@pytest.fixture
def ordered(app: Flask, client: FlaskClient) -> Iterator[FlaskClient]:
    """JYT 合格 three years running, SWT 不合格 in 2026; the shipped diagram deployed; the
    office signed in, the clock stopped at NOW."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    with time_machine.travel(NOW, tick=False):
        make_province(YEARS)
        for year in YEARS:
            finalize(store(year, NOW, deductions={"SWT": "100"} if year == 2026 else {}), NOW)
        path = ROOT / "bpmn" / "rectification.bpmn"
        response = upload(client, bearer(client, "owner1"), (path.name, path.read_bytes()))
        assert response.status_code == 201, response.get_json()
        sign_in(client, "office1")
        yield client


def _order(client: FlaskClient, code: str, workdays: str) -> tuple[int, str]:
    response = client.post(
        f"/results/2026/{code}/rectification",
        data={"csrf_token": page_csrf(client, "/results/2026"), "workdays": workdays},
    )
    return response.status_code, response.get_data(as_text=True)


def test_the_office_sets_the_deadline_in_working_days(ordered: FlaskClient) -> None:
    page = ordered.get("/results/2026").get_data(as_text=True)
    assert 'name="workdays"' in page and 'value="20"' in page
    assert _order(ordered, "JYT", "15")[0] == 302
    db.session.expire_all()
    order = db.session.execute(select(RectificationOrder)).scalar_one()
    instance = db.session.get(ProcessInstance, order.instance_id)
    assert instance is not None and instance.data["workdays"] == 15
    task = db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == order.instance_id)
    ).scalar_one()
    due = working_calendar(db.session).workday_deadline(NOW, 15)
    assert task.due_at == due
    assert due != working_calendar(db.session).workday_deadline(NOW, 20)
    audited = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "results.rectification_ordered")
    ).scalar_one()
    assert audited.after["workdays"] == 15


@pytest.mark.parametrize("workdays", ["0", "61", "2.5", "十"])
def test_a_deadline_outside_1_to_60_working_days_is_refused_next_to_the_field(
    ordered: FlaskClient, workdays: str
) -> None:
    status, page = _order(ordered, "SWT", workdays)
    assert status == 422
    assert "整改期限须为 1 至 60 之间的整数个工作日。" in page
    assert 'id="workdays-SWT-error"' in page
    assert db.session.execute(select(RectificationOrder)).first() is None
