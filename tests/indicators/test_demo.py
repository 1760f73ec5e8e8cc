"""`flask demo load` fills the 2026 year (issue 5 §8), and `flask bpmn deploy bpmn/` deploys every
shipped diagram in one upload."""

from __future__ import annotations

from flask import Flask
from lxml import etree
from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.indicators.models import Indicator, IndicatorStatus
from app.org.models import Unit
from app.progress.models import ProgressReport, Proposal, ReportStatus
from app.progress.periods import cycle_of
from app.workflow.models import (
    HumanTask,
    HumanTaskState,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
)
from tests.indicators.conftest import ROOT


def _statuses() -> set[IndicatorStatus]:
    return set(db.session.execute(select(Indicator.status).distinct()).scalars())


def test_the_shipped_diagrams_deploy_in_one_upload(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    result = app.test_cli_runner().invoke(args=["bpmn", "deploy", str(ROOT / "bpmn")])
    assert result.exit_code == 0, result.output
    deployed = dict(line.split() for line in result.output.strip().splitlines())
    assert {"indicator_setting", "indicator_adjustment", "progress_reporting"} <= set(deployed)
    # Both procedures have an `office_check`; each keeps its own form.
    forms = {
        d.key: d.task_settings["office_check"]["form"]
        for d in db.session.execute(select(ProcessDefinition)).scalars()
        if "office_check" in d.task_settings
    }
    assert forms == {
        "indicator_setting": "indicator_office_check.schema.json",
        "progress_reporting": "progress_check.schema.json",
    }


def test_the_demo_shows_indicators_in_every_state_and_months_of_progress(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo 2026: 5 key tasks" in result.output

    assert {
        IndicatorStatus.DRAFT,
        IndicatorStatus.IN_REVIEW,
        IndicatorStatus.RETURNED,
        IndicatorStatus.APPROVED,
    } <= _statuses()
    adjusted = db.session.execute(
        select(func.count()).select_from(Indicator).where(Indicator.current_version > 1)
    ).scalar_one()
    assert adjusted == 1
    checked = db.session.execute(
        select(func.count())
        .select_from(ProgressReport)
        .where(ProgressReport.status == ReportStatus.CHECKED)
    ).scalar_one()
    assert checked == 6  # three months for each of two units
    this_year = select(func.count()).select_from(Proposal).where(Proposal.year == 2026)
    assert db.session.execute(this_year).scalar_one() == 2  # 2025, the finished year, has its own
    errors = db.session.execute(
        select(ProcessInstance).where(ProcessInstance.status == InstanceStatus.ERROR)
    ).all()
    assert errors == []
    open_steps = set(
        db.session.execute(
            select(HumanTask.spec_id).where(HumanTask.state == HumanTaskState.READY)
        ).scalars()
    )
    assert {"draft", "office_check"} <= open_steps
    if cycle_of(None, utcnow())["year"] == 2026:  # while the demo year is the one reported on
        reporting = db.session.execute(
            select(Unit.code)
            .join(ProcessInstance, ProcessInstance.unit_id == Unit.id)
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .where(HumanTask.spec_id == "report", HumanTask.state == HumanTaskState.READY)
        ).scalars()
        assert set(reporting) == {"FGW", "NYT"}  # last month's report is in unit1's inbox

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "Demo 2026: 0 key tasks" in again.output


def test_every_shipped_diagram_has_a_layout_for_each_element() -> None:
    """The viewer and the workbench draw from the BPMN DI: no element may lack its shape."""
    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        drawn = {e.get("bpmnElement") for e in root.iter() if e.get("bpmnElement")}
        process = root.find(f"{bpmn}process")
        elements = {
            e.get("id")
            for e in process
            if isinstance(e.tag, str) and e.get("id") and not e.tag.endswith("laneSet")
        }
        assert elements - drawn == set(), path.name
