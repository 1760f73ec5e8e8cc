"""The office's page of the year's cycle: the phases with their dates and state, the units at
each step, the dates edited (a bad date shown next to its field), hold and open early audited."""

from __future__ import annotations

import html
import json
import re
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cycle.models import CyclePhase
from app.cycle.phases import Phase
from app.extensions import db
from app.org.models import Unit
from tests.factories import page_csrf, sign_in


def _phase(phase: Phase) -> CyclePhase:
    return db.session.execute(
        select(CyclePhase).where(CyclePhase.year == 2026, CyclePhase.phase == phase)
    ).scalar_one()


def test_the_page_lists_the_phases_with_their_default_dates(
    province: dict[str, Unit], client: FlaskClient
) -> None:
    sign_in(client, "office1")
    page = client.get("/cycle/2026").get_data(as_text=True)
    assert "年度考核周期" in page
    assert "指标编制" in page and "审定和通报" in page
    assert 'value="2026-01-10"' in page  # indicator setting early in Y
    assert 'value="2027-03-01"' in page  # sign-off in Q1 of Y+1
    assert "启动年度考核周期" in page


def test_the_office_starts_the_cycle_and_sees_units_at_each_step(
    province: dict[str, Unit], client: FlaskClient
) -> None:
    sign_in(client, "office1")
    csrf = page_csrf(client, "/cycle/2026")
    client.post("/cycle/2026/dates", data={"csrf_token": csrf, "indicator_setting": "2025-12-01"})
    response = client.post("/cycle/2026/start", data={"csrf_token": csrf})
    assert response.status_code == 302
    page = client.get("/cycle/2026").get_data(as_text=True)
    assert 'data-testid="cycle-diagram"' in page
    assert _phase(Phase.INDICATOR_SETTING).opened_at is not None
    # every unit stands at the drafting step of indicator setting
    assert "<li>编制绩效指标：4</li>" in page
    # the same count on the diagram's element that opened the phase, and as text beside it
    counts = json.loads(html.unescape(re.search(r"data-counts='([^']*)'", page)[1]))
    assert counts["open_indicator_setting"] == 4
    assert counts["open_signoff"] == 0 and "open_scoring" not in counts
    assert "指标编制：4 个单位有待办环节" in page
    again = client.post("/cycle/2026/start", data={"csrf_token": csrf})
    assert again.status_code == 409


def test_a_bad_date_is_shown_next_to_its_field_and_nothing_is_saved(
    province: dict[str, Unit], client: FlaskClient
) -> None:
    sign_in(client, "office1")
    csrf = page_csrf(client, "/cycle/2026")
    saved = client.post("/cycle/2026/dates", data={"csrf_token": csrf, "signoff": "2027-03-03"})
    assert saved.status_code == 302
    response = client.post(
        "/cycle/2026/dates",
        data={"csrf_token": csrf, "scoring": "2027-02-30", "signoff": "2027-03-05"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="err-scoring"' in page and "请输入日期" in page
    assert _phase(Phase.SIGNOFF).opens_on == date(2027, 3, 3)


def test_hold_release_and_open_early_from_the_page_are_audited(
    province: dict[str, Unit], client: FlaskClient
) -> None:
    sign_in(client, "office1")
    csrf = page_csrf(client, "/cycle/2026")
    for action in ("hold", "release", "open-early"):
        response = client.post(f"/cycle/2026/phases/scoring/{action}", data={"csrf_token": csrf})
        assert response.status_code == 302
    assert _phase(Phase.SCORING).open_early and not _phase(Phase.SCORING).held
    actions = list(
        db.session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("cycle.%"))
            .order_by(AuditEntry.seq)
        ).scalars()
    )
    assert actions == ["cycle.hold", "cycle.release", "cycle.open_early"]
    bad = client.post("/cycle/2026/phases/nonsense/hold", data={"csrf_token": csrf})
    assert bad.status_code == 422


def test_units_staff_may_not_open_the_cycle_page(
    province: dict[str, Unit], client: FlaskClient
) -> None:
    sign_in(client, "unit1")
    assert client.get("/cycle/2026").status_code == 403
