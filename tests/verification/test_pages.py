"""The office's verification page: where each unit stands, claimed and verified completion, and
the start for every unit that needs one (skipping a unit with one open); the demo's instance."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.workflow.models import ProcessInstance
from tests.factories import PASSWORD, page_csrf, sign_in
from tests.indicators.conftest import ROOT
from tests.indicators.drive import only_task
from tests.verification.conftest import YEAR, approve, unit_of
from tests.workflow.helpers import bearer, start


def _instances() -> list[ProcessInstance]:
    return list(
        db.session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.process_key == "year_end_verification")
            .order_by(ProcessInstance.id)
        ).scalars()
    )


def test_the_office_starts_every_unit_but_one_with_its_verification_open(
    shipped: FlaskClient,
) -> None:
    client = shipped
    approve("FGW")
    approve("NYT")
    start(
        client,
        bearer(client, "office1"),
        "year_end_verification",
        unit_code="FGW",
        data={"year": YEAR},
    )
    sign_in(client, "office1")

    board = client.get(f"/verification/{YEAR}").get_data(as_text=True)
    assert "自查自评中" in board and "未开始" in board
    assert "为 1 个单位启动核验" in board

    confirm = client.get(f"/verification/{YEAR}/start").get_data(as_text=True)
    assert unit_of("NYT").name_zh in confirm.split("已跳过")[0]
    assert unit_of("FGW").name_zh in confirm.split("已跳过")[1]

    token = page_csrf(client, f"/verification/{YEAR}")
    answer = client.post(
        f"/verification/{YEAR}/start", data={"csrf_token": token}, follow_redirects=True
    )
    page = answer.get_data(as_text=True)
    assert f"已为 1 个单位启动年终核验：{unit_of('NYT').name_zh}" in page
    assert [i.unit_id for i in _instances()] == [unit_of("FGW").id, unit_of("NYT").id]
    [entry] = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "verification.started_for_all")
    ).scalars()
    assert entry.after["units"] == ["NYT"]

    # Again: nothing left to start.
    client.post(f"/verification/{YEAR}/start", data={"csrf_token": token})
    assert len(_instances()) == 2
    assert "启动核验" not in client.get(f"/verification/{YEAR}").get_data(as_text=True)


def test_the_board_shows_claimed_and_verified_completion(shipped: FlaskClient) -> None:
    client = shipped
    approve("FGW")
    start(
        client,
        bearer(client, "office1"),
        "year_end_verification",
        unit_code="FGW",
        data={"year": YEAR},
    )
    unit = bearer(client, "unit1")
    task = only_task(client, unit, "self_evaluate")
    rows = [
        {**r, "completion": 87.5, "self_score": 20, "explanation": "基本完成"}
        for r in task["data"]["entries"]
    ]
    upload = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=unit,
        data={"file": (io.BytesIO(b"%PDF-1.7\n x"), "a.pdf")},
        content_type="multipart/form-data",
    )
    response = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=unit,
        json={"data": {"entries": rows, "evidence": upload.get_json()["id"]}},
    )
    assert response.status_code == 200
    sign_in(client, "office1")
    page = client.get(f"/verification/{YEAR}").get_data(as_text=True)
    assert page.count("87.5%") == 3
    assert task["data"]["entries"][0]["title"] in page


def test_only_the_office_opens_the_verification_pages(shipped: FlaskClient) -> None:
    client = shipped
    sign_in(client, "unit1")
    assert client.get(f"/verification/{YEAR}").status_code == 403
    assert client.get(f"/verification/{YEAR}/start").status_code == 403
    assert client.post(f"/verification/{YEAR}/start", data={}).status_code in (400, 403)
    assert _instances() == []


def test_the_demo_opens_unit1s_self_evaluation_once(app: Flask, client: FlaskClient) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    app.config["DEMO_PASSWORD"] = PASSWORD
    runner = app.test_cli_runner()
    for _run in range(2):
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    [opened] = _instances()
    assert opened.unit_id == unit_of("FGW").id
    task = only_task(client, bearer(client, "unit1"), "self_evaluate")
    assert task["instance_id"] == opened.id and task["data"]["entries"]
