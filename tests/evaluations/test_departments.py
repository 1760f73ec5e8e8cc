"""Departmental items: ownership (403 for another department), the item's scale, the xlsx
import that names every bad row and imports nothing, and the aggregates."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.evaluations.aggregates import departmental, year_evaluations
from app.evaluations.models import DepartmentScore
from app.extensions import db
from tests.evaluations.conftest import YEAR
from tests.factories import page_csrf, sign_in

pytestmark = pytest.mark.usefixtures("province")
ITEM_PAGE = f"/evaluations/{YEAR}/departments/leadership"


def workbook(*rows: tuple[object, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(("单位代码", "单位名称", "得分", "不参加（填“是”）"))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_department_cannot_enter_an_item_it_does_not_own(client: FlaskClient) -> None:
    sign_in(client, "dept2")
    token = page_csrf(client, "/")
    response = client.post(ITEM_PAGE, data={"csrf_token": token, "score-FGW": "10"})
    assert response.status_code == 403
    assert "领导班子考核" in response.get_data(as_text=True)
    assert client.get(ITEM_PAGE).status_code == 403
    assert db.session.execute(select(DepartmentScore)).first() is None


def test_the_owner_enters_scores_on_the_item_scale(client: FlaskClient) -> None:
    sign_in(client, "dept1")
    token = page_csrf(client, ITEM_PAGE)
    bad = client.post(ITEM_PAGE, data={"csrf_token": token, "score-FGW": "16", "score-GXT": "9"})
    assert bad.status_code == 422
    assert 'id="error-FGW"' in bad.get_data(as_text=True)
    assert db.session.execute(select(DepartmentScore)).first() is None
    ok = client.post(
        ITEM_PAGE,
        data={"csrf_token": token, "score-FGW": "14", "score-GXT": "12.5", "skip-JYT": "1"},
    )
    assert ok.status_code == 302
    assert departmental(db.session, YEAR) == {
        "FGW": {"leadership": (Decimal("14"), Decimal("15"))},
        "GXT": {"leadership": (Decimal("12.5"), Decimal("15"))},
    }
    rows = {r.membership.unit.code: r for r in year_evaluations(db.session, YEAR)}
    assert rows["FGW"].dept == Decimal(50) * 14 / 15
    assert rows["JYT"].dept is None and rows["JYT"].dept_items_skipped == 1


def test_an_import_with_bad_rows_names_each_and_imports_nothing(client: FlaskClient) -> None:
    sign_in(client, "dept1")
    token = page_csrf(client, ITEM_PAGE)
    data = workbook(
        ("FGW", "", 14, ""), ("XXX", "", 10, ""), ("GXT", "", 20, ""), ("JYT", "", 5, "是")
    )
    response = client.post(
        f"{ITEM_PAGE}/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "leadership.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 3 行" in html and "第 4 行" in html and "第 5 行" in html and "第 2 行" not in html
    assert db.session.execute(select(DepartmentScore)).first() is None


def test_the_template_round_trips_through_the_import(client: FlaskClient) -> None:
    sign_in(client, "dept1")
    template = client.get(f"{ITEM_PAGE}/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.data))
    sheet = book.active
    assert sheet is not None
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["FGW", "GXT", "JYT"]
    for number in range(2, 5):
        sheet.cell(number, 3, "13")
    buffer = io.BytesIO()
    book.save(buffer)
    token = page_csrf(client, ITEM_PAGE)
    response = client.post(
        f"{ITEM_PAGE}/import",
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "t.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert len(departmental(db.session, YEAR)) == 3


def test_the_office_sees_completeness_per_item(client: FlaskClient) -> None:
    sign_in(client, "dept1")
    token = page_csrf(client, ITEM_PAGE)
    client.post(ITEM_PAGE, data={"csrf_token": token, "score-FGW": "15"})
    office = client.application.test_client()
    sign_in(office, "office1")
    page = office.get(f"/evaluations/{YEAR}").get_data(as_text=True)
    assert "领导班子考核" in page and "1 / 3" in page and "Dept1" in page


def test_the_office_assigns_an_item_to_a_department_account(client: FlaskClient) -> None:
    sign_in(client, "office1")
    token = page_csrf(client, f"/evaluations/{YEAR}")
    path = "/evaluations/items/energy/owner"
    refused = client.post(path, data={"csrf_token": token, "year": YEAR, "username": "leader1"})
    assert refused.status_code == 422
    assert 'id="item-energy-error"' in refused.get_data(as_text=True)
    assert (
        client.post(path, data={"csrf_token": token, "year": YEAR, "username": "dept2"}).status_code
        == 302
    )
    entry = (
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "department_item.assign"))
        .scalars()
        .all()[-1]
    )
    assert entry.object_id == "energy" and entry.actor_name == "office1"

    department = client.application.test_client()
    sign_in(department, "dept2")
    assert department.get(f"/evaluations/{YEAR}/departments/energy").status_code == 200
    other = client.application.test_client()
    sign_in(other, "dept1")
    assert other.get(f"/evaluations/{YEAR}/departments/energy").status_code == 403


def test_a_department_cannot_assign_items(client: FlaskClient) -> None:
    sign_in(client, "dept1")
    token = page_csrf(client, "/")
    response = client.post(
        "/evaluations/items/energy/owner", data={"csrf_token": token, "username": "dept1"}
    )
    assert response.status_code == 403
