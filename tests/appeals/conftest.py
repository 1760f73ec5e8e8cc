"""A small province for the `appeal` procedure: three economic units with stored scores, their
staff and heads, the office, and the shipped `appeal` diagram deployed."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.extensions import db
from app.scoring.gather import compute_year
from tests.factories import SYSTEM, make_unit, make_user
from tests.scoring.builders import worked_example_document
from tests.scoring.records import record_document
from tests.workflow.helpers import bearer

ROOT = Path(__file__).resolve().parent.parent.parent
SCORED_AT = datetime(2027, 2, 1, 2, 0, tzinfo=UTC)


def inputs_document(year: int = 2026) -> dict[str, Any]:
    """FGW as SPEC §8's example; NYT with its first indicator at 0.8 (ranked below FGW); GXT
    with weaker leader ratings. One excellent place and two excellent-or-good among three."""
    fgw = worked_example_document("FGW")
    nyt = worked_example_document("NYT")
    nyt["indicators"][0]["completion"] = "0.8"
    gxt = {**worked_example_document("GXT"), "leaders": ["60"]}
    return {"year": year, "units": [fgw, nyt, gxt]}


@pytest.fixture
def scored(app: Flask) -> None:
    """Units, people, the inputs recorded and the year's first score version computed from
    them as `scores compute` does (no diagram deployed)."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    units = {
        code: make_unit(code, name=name, year=2026)
        for code, name in (
            ("FGW", "省发展改革委"),
            ("NYT", "省农业农村厅"),
            ("GXT", "省工业和信息化厅"),
        )
    }
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("director1", Role.OFFICE_DIRECTOR)
    make_user("unit1", (Role.UNIT_STAFF, units["NYT"]))
    make_user("head1", (Role.UNIT_HEAD, units["NYT"]))
    make_user("unit2", (Role.UNIT_STAFF, units["FGW"]))
    make_user("head2", (Role.UNIT_HEAD, units["FGW"]))
    record_document(db.session, inputs_document(), now=SCORED_AT)
    compute_year(db.session, SYSTEM, 2026, "年度计分", now=SCORED_AT)
    db.session.commit()


@pytest.fixture
def province(scored: None, client: FlaskClient) -> FlaskClient:
    """The scored province with `appeal` deployed."""
    response = client.post(
        "/api/v1/process-definitions",
        headers=bearer(client, "owner1"),
        data={"file": [(io.BytesIO((ROOT / "bpmn" / "appeal.bpmn").read_bytes()), "appeal.bpmn")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return client
