"""A small province for the annual cycle: two categories, the office, every shipped diagram."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.org.models import Unit
from tests.factories import make_unit, make_user
from tests.workflow.helpers import bearer

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def province(app: Flask, client: FlaskClient) -> dict[str, Unit]:
    """Four units in two categories of 2026, office1, and bpmn/ deployed."""
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    units = {
        code: make_unit(code, category=category, year=2026)
        for code, category in (
            ("FGW", "economic"),
            ("NYT", "economic"),
            ("GAT", "law_enforcement"),
            ("SFT", "law_enforcement"),
        )
    }
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, units["FGW"]))
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted((ROOT / "bpmn").glob("*.bpmn"))]
    response = client.post(
        "/api/v1/process-definitions",
        headers=bearer(client, "owner1"),
        data={"file": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return units
