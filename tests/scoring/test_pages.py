"""The score pages (issue 13 §4, §5): tables by category with charts and an xlsx export that
matches them, and each unit's score traced to its inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.auth.roles import Role
from app.auth.services import actor_for
from app.extensions import db
from app.scoring.inputs import parse_inputs
from app.scoring.services import store_scores
from tests.factories import make_unit, make_user, sign_in
from tests.scoring.builders import worked_example_document

NOW = datetime(2027, 2, 20, 2, 0, tzinfo=UTC)


def _inputs(nyt_leaders: str = "60") -> dict[str, object]:
    fgw = worked_example_document("FGW")
    nyt = {**worked_example_document("NYT"), "leaders": [nyt_leaders], "headcount": 120}
    counted = {
        **worked_example_document("KJT"),
        "category": "social_service",
        "D": None,
        "Y": None,
        "daily": {"非常满意": 10, "满意": 10, "基本满意": 0, "不满意": 0, "非常不满意": 0},
        "yearend": {"非常满意": 30, "满意": 10, "基本满意": 0, "不满意": 0, "非常不满意": 0},
        "departmental": {"leadership": ["12", "15"]},
    }
    del counted["D"], counted["Y"]
    return {"year": 2026, "units": [fgw, nyt, counted]}


@pytest.fixture
def scored(app: Flask) -> None:
    make_unit("FGW", name="省发展改革委", headcount=260)
    make_unit("NYT", name="省农业农村厅", headcount=120)
    make_unit("KJT", name="省科技厅", category="social_service", headcount=90)
    office = make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, make_unit("XXX")))
    store_scores(db.session, actor_for(office), 2026, parse_inputs(_inputs()), "年度计分", now=NOW)
    store_scores(
        db.session, actor_for(office), 2026, parse_inputs(_inputs("95")), "申诉后重算", now=NOW
    )
    db.session.commit()


@pytest.mark.usefixtures("scored")
def test_the_table_ranks_each_category_and_offers_every_version(client: FlaskClient) -> None:
    sign_in(client, "office1")

    def economic(page: str) -> str:
        return page.split('data-testid="scores-economic"', 1)[1].split("</table>", 1)[0]

    page = client.get("/scores/2026").get_data(as_text=True)
    assert "申诉后重算" in page and 'value="1"' in page and 'value="2"' in page
    assert "91.39" in economic(page)  # SPEC §8's worked example
    latest = economic(page)
    assert latest.index("省农业农村厅") < latest.index("省发展改革委")  # NYT's leaders gave 95
    first = client.get("/scores/2026?version=1").get_data(as_text=True)
    assert "年度计分" in first
    assert economic(first).index("省发展改革委") < economic(first).index("省农业农村厅")
    assert 'data-kind="distribution"' in page and 'data-kind="components"' in page


@pytest.mark.usefixtures("scored")
def test_the_workbook_matches_the_page(client: FlaskClient) -> None:
    sign_in(client, "office1")
    response = client.get("/scores/2026/scores.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["经济发展类", "社会服务类"]
    rows = list(book["经济发展类"].iter_rows(min_row=2, values_only=True))
    assert rows[0][:2] == ("排名", "单位")
    by_unit = {row[1]: row for row in rows[1:]}
    fgw = by_unit["省发展改革委"]
    assert fgw[5] == pytest.approx(91.39) and isinstance(fgw[5], float)
    page = client.get("/scores/2026").get_data(as_text=True)
    for name, row in by_unit.items():
        assert f"{row[5]:.2f}" in page and name in page and row[6] in page


@pytest.mark.usefixtures("scored")
def test_the_explain_page_traces_every_point(client: FlaskClient) -> None:
    sign_in(client, "office1")
    page = client.get("/scores/2026/FGW").get_data(as_text=True)
    parts = page.split('data-testid="components"', 1)[1]
    for symbol in ("K", "L", "I", "P", "Leader", "D", "Y", "Public", "Dept", "E", "T"):
        assert f'id="part-{symbol}"' in parts
    assert "80 × 72.0 / 80" in parts  # Σwc / Σw of the two indicators
    assert "91.39" in page and "14 / 15" in page and "不参加" in parts
    counted = client.get("/scores/2026/KJT").get_data(as_text=True)
    assert "少于 30 条有效评价" in counted  # D absent below 30 valid ratings
    assert client.get("/scores/2026/NOPE").status_code == 404


@pytest.mark.usefixtures("scored")
def test_units_do_not_read_the_tables(client: FlaskClient) -> None:
    sign_in(client, "unit1")
    assert client.get("/scores/2026").status_code == 403
    assert client.get("/scores/2026/FGW").status_code == 403
    assert client.get("/scores/2026/scores.xlsx").status_code == 403


def test_a_year_without_scores_is_a_404(client: FlaskClient) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert client.get("/scores/2026").status_code == 404


@pytest.mark.usefixtures("scored")
def test_the_office_finds_the_scored_years_from_the_menu(client: FlaskClient) -> None:
    sign_in(client, "office1")
    assert 'href="/scores/"' in client.get("/").get_data(as_text=True)
    years = client.get("/scores/").get_data(as_text=True)
    assert 'href="/scores/2026"' in years and "第 2 版" in years
