"""The demo's year-end evaluations: leader1, group1 and dept1 each have their open task."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import utcnow
from app.evaluations.aggregates import departmental, leader_scores
from app.evaluations.demo import load_evaluations_demo
from app.evaluations.operations import year_plan
from app.extensions import db
from app.indicators.demo import load_indicator_demo
from app.org.demo import load_demo
from app.org.models import Unit
from app.workflow.models import HumanTask
from tests.evaluations.conftest import ROOT
from tests.factories import PASSWORD
from tests.workflow.helpers import bearer, inbox


def test_the_demo_opens_each_raters_task_once(app: object, client: FlaskClient) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")  # type: ignore[attr-defined]
    load_demo(db.session, password=PASSWORD, now=utcnow())
    assert load_evaluations_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow()) == 1
    db.session.commit()
    assert load_evaluations_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow()) == 0
    for username, spec_id in (
        ("leader1", "leader_rating"),
        ("group1", "group_rating"),
        ("dept1", "department_entry"),
    ):
        tasks = [t for t in inbox(client, bearer(client, username)) if t["spec_id"] == spec_id]
        assert len(tasks) == 1, username
    assert len(next(iter(leader_scores(db.session, 2026).values()))) == 2
    assert inbox(client, bearer(client, "leader2")) == []  # submitted and confirmed
    assert len(departmental(db.session, 2026)) == 30


def test_the_whole_demo_gives_every_demo_rater_and_each_staffed_lead_unit_its_task(
    app: object, client: FlaskClient
) -> None:
    """With the indicator demo's key tasks (lead units) in, leader1, group1 and dept1 still get
    their tasks, and each lead unit with staff gets its own sheet's task."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")  # type: ignore[attr-defined]
    load_demo(db.session, password=PASSWORD, now=utcnow())
    load_indicator_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow())
    assert load_evaluations_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow()) == 1
    db.session.commit()
    for username, spec_id in (
        ("leader1", "leader_rating"),
        ("group1", "group_rating"),
        ("dept1", "department_entry"),
    ):
        tasks = [t for t in inbox(client, bearer(client, username)) if t["spec_id"] == spec_id]
        assert len(tasks) == 1, username
    plan = year_plan(db.session, 2026, None)
    assert plan["lead_units"], "the demo's key tasks have lead units"
    lead_tasks = db.session.execute(
        select(HumanTask.scope_unit_id).where(HumanTask.spec_id == "lead_unit_rating")
    ).scalars()
    codes = {db.session.get(Unit, unit_id).code for unit_id in lead_tasks}  # type: ignore[union-attr]
    assert codes == {work["unit"] for work in plan["lead_units"]}
