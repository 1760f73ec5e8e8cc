"""The shipped procedures (bpmn/, forms/) on the demo province with the 2026 catalogue."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.auth.actor import Actor
from app.db import utcnow
from app.extensions import db
from app.indicators.catalogue import import_catalogue, parse_catalogue
from app.org.demo import load_demo
from tests.factories import PASSWORD
from tests.workflow.helpers import bearer

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "samples" / "key_tasks_2026.xlsx"


# The shipped procedures' world is the 2026 assessment year: its tests run on a day of 2026 (the
# clock ticks on from there), whatever the day they are run.
IN_2026 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def shipped(app: Flask, client: FlaskClient) -> Iterator[FlaskClient]:
    """Demo province, the 2026 catalogue imported, every diagram of bpmn/ deployed."""
    with time_machine.travel(IN_2026, tick=True):
        yield _ship(app, client)


def _ship(app: Flask, client: FlaskClient) -> FlaskClient:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    load_demo(db.session, password=PASSWORD, now=utcnow())
    rows = parse_catalogue(db.session, SAMPLE.read_bytes(), 2026)
    import_catalogue(db.session, actor=Actor.system("test"), year=2026, rows=rows, now=utcnow())
    db.session.commit()
    owner = bearer(client, "owner1")
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        response = client.post(
            "/api/v1/process-definitions",
            headers=owner,
            data={"file": [(io.BytesIO(path.read_bytes()), path.name)]},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, (path.name, response.get_json())
    return client
