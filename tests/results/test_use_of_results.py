"""The use of results (SPEC §12): quotas floored, rewards, three-year runs, the xlsx, and the
rectification each result orders, started once through the `rectification` process."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.results.models import RectificationOrder
from app.workflow.models import ProcessInstance
from tests.factories import page_csrf, sign_in
from tests.signoff.province import finalize, make_province, store
from tests.workflow.helpers import BPMN_NS, bearer, upload

NOW = datetime(2027, 3, 25, 2, 0, tzinfo=UTC)
YEARS = (2024, 2025, 2026)
RECTIFICATION = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="Defs_r" targetNamespace="http://jixiao.test/r">
  <bpmn:process id="rectification" name="整改" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report" />
    <bpmn:userTask id="report" name="报送整改报告" />
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


@pytest.fixture
def three_years(app: Flask) -> None:
    """FGW 优秀 three years running, JYT 合格 three years, SWT 不合格 in 2026."""
    make_province(YEARS)
    for year in YEARS:
        sinks = {"SWT": "100"} if year == 2026 else {}
        finalize(store(year, NOW, deductions=sinks), NOW)


def _rows(client: FlaskClient) -> dict[str, list[object]]:
    response = client.get("/results/2026/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("单位", "类别", "编制人数", "考核等次", "次年公务员优秀名额")
    return {str(row[0]): list(row) for row in rows[1:]}


@pytest.mark.usefixtures("three_years")
def test_quotas_are_floored_and_three_year_runs_named_in_page_and_xlsx(client: FlaskClient) -> None:
    sign_in(client, "office1")
    page = client.get("/results/2026").get_data(as_text=True)
    assert "省发展改革委" in page and "集体三等功" in page
    rows = _rows(client)
    # 260 × 20 % = 52; 120 × 18 % = 21.6 → 21; 77 × 15 % = 11.55 → 11; 95 × 10 % = 9.5 → 9
    assert {name: row[3:5] for name, row in rows.items()} == {
        "省发展改革委": ["优秀", 52],
        "省农业农村厅": ["良好", 21],
        "省商务厅": ["不合格", 9],
        "省教育厅": ["合格", 11],
    }
    assert isinstance(rows["省农业农村厅"][2], int)
    assert rows["省商务厅"][5] == "否" and rows["省教育厅"][5] == "是"
    assert "集体三等功" in rows["省发展改革委"][6]
    assert "书面整改报告" in rows["省教育厅"][6]
    assert "通报批评" in rows["省商务厅"][6]
    assert rows["省农业农村厅"][6] in ("", None)
    assert rows["省教育厅"][7] == "2026年合格，2025年合格，2024年合格"


@pytest.mark.usefixtures("three_years")
def test_nothing_before_the_grades_are_final_and_only_office_and_leaders_read(
    client: FlaskClient,
) -> None:
    sign_in(client, "leader1")
    assert "省教育厅" not in client.get("/results/2027").get_data(as_text=True)
    assert client.get("/results/2026").status_code == 200
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    sign_in(client, "unit1")
    assert client.get("/results/2026").status_code == 403
    assert client.get("/results/2026/results.xlsx").status_code == 403


@pytest.mark.usefixtures("three_years")
def test_rectification_is_started_once_per_unit_and_waits_for_the_diagram(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, "office1")
    page = client.get("/results/2026").get_data(as_text=True)
    assert "整改流程尚未部署" in page
    refused = client.post(
        "/results/2026/JYT/rectification", data={"csrf_token": page_csrf(client, "/results/2026")}
    )
    assert refused.status_code == 302
    assert "整改流程尚未部署" in client.get("/results/2026").get_data(as_text=True)
    assert db.session.execute(select(RectificationOrder)).first() is None

    assert (
        upload(client, bearer(client, "owner1"), ("rectification.bpmn", RECTIFICATION)).status_code
        == 201
    )
    for _attempt in range(2):
        client.post(
            "/results/2026/JYT/rectification",
            data={"csrf_token": page_csrf(client, "/results/2026")},
        )
    client.post(
        "/results/2026/SWT/rectification", data={"csrf_token": page_csrf(client, "/results/2026")}
    )
    no_cause = client.post(
        "/results/2026/NYT/rectification", data={"csrf_token": page_csrf(client, "/results/2026")}
    )
    assert no_cause.status_code == 302
    db.session.expire_all()
    orders = db.session.execute(select(RectificationOrder)).scalars().all()
    assert sorted((o.unit.code, o.kind.value) for o in orders) == [
        ("JYT", "three_year_pass"),
        ("SWT", "fail"),
    ]
    started = (
        db.session.execute(
            select(ProcessInstance).where(ProcessInstance.process_key == "rectification")
        )
        .scalars()
        .all()
    )
    assert len(started) == 2
    jyt = next(
        i for i in started if i.id == next(o.instance_id for o in orders if o.unit.code == "JYT")
    )
    assert (jyt.data["year"], jyt.data["kind"], jyt.data["workdays"]) == (
        2026,
        "three_year_pass",
        20,
    )
    assert "合格" in jyt.data["subject"]
    audited = (
        db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "results.rectification_ordered")
        )
        .scalars()
        .all()
    )
    assert len(audited) == 2
