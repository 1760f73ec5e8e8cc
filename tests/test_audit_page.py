"""The auditor's log shows who did what and which fields changed, never business content
(issue 18: SPEC §1 keeps the three administrators out of business work)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.audit.presentation import ACTION_LABELS, OBJECT_LABELS, changed_fields
from app.audit.services import record
from app.auth.roles import Role
from app.extensions import db
from tests.factories import SYSTEM, make_user, sign_in

APP = Path(__file__).resolve().parent.parent / "app"
OPINION = "该指标目标偏低，建议提高到百分之九十五"


def _opinion_entry(when: datetime) -> None:
    record(
        db.session,
        actor=SYSTEM,
        action="task.complete",
        object_type="task",
        object_id="t-1",
        before={"opinion": None, "score": 80},
        after={"opinion": OPINION, "score": 80, "recommend": "revise"},
        now=when,
    )


def test_the_log_names_actions_and_changed_fields_but_shows_no_content(
    client: FlaskClient,
) -> None:
    make_user("auditor1", Role.AUDITOR)
    _opinion_entry(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    db.session.commit()
    sign_in(client, "auditor1")
    page = client.get("/audit/").get_data(as_text=True)
    assert OPINION not in page
    assert "opinion、recommend" in page  # which fields changed, not to what
    assert "任务办结" in page  # task.complete in Chinese
    assert "\\u" not in page


def test_date_filters_use_beijing_days_and_a_bad_date_is_answered_at_its_field(
    client: FlaskClient,
) -> None:
    make_user("auditor1", Role.AUDITOR)
    _opinion_entry(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))  # 2026-03-02 01:00 in Beijing
    db.session.commit()
    sign_in(client, "auditor1")
    on_the_day = client.get("/audit/?action=task.complete&since=2026-03-02&until=2026-03-02")
    assert "t-1" in on_the_day.get_data(as_text=True)
    day_before = client.get("/audit/?action=task.complete&since=2026-03-01&until=2026-03-01")
    assert "t-1" not in day_before.get_data(as_text=True)
    bad = client.get("/audit/?since=2026-13-01")
    assert bad.status_code == 200
    assert re.search(r'id="since-error"[^>]*>[^<]+', bad.get_data(as_text=True))


def test_the_export_holds_the_filtered_rows_without_content(client: FlaskClient) -> None:
    make_user("auditor1", Role.AUDITOR)
    _opinion_entry(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    db.session.commit()
    sign_in(client, "auditor1")
    response = client.get("/audit/export.xlsx?action=task.complete")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][3] == "任务办结" and rows[1][5] == "opinion、recommend"
    assert OPINION not in repr(rows)
    assert client.get("/audit/export.xlsx?until=nope").status_code == 400


def test_only_the_auditor_exports(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert client.get("/audit/export.xlsx").status_code == 403


def test_changed_fields() -> None:
    assert changed_fields(None, {"a": 1}) == ["a"]
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b"]
    assert changed_fields("x", "y") == ["—"]
    assert changed_fields(None, None) == []


def test_every_recorded_action_and_object_has_a_name() -> None:
    """An action added to the code without a Chinese name would show as a code to the auditor."""
    source = "\n".join(path.read_text() for path in APP.rglob("*.py"))
    actions = set(re.findall(r'\baction="([a-z_]+\.[a-z_.]+)"', source))
    objects = set(re.findall(r'\bobject_type="([a-z_]+)"', source))
    assert actions, "no audited action found: the pattern is stale"
    assert sorted(actions - ACTION_LABELS.keys()) == []
    assert sorted(objects - OBJECT_LABELS.keys()) == []
