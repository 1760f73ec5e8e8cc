"""The key-task catalogue import (issue 5 §1): drafts per responsible unit, bad rows named,
nothing half-imported."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from app.auth.actor import Actor
from app.db import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.indicators.catalogue import import_catalogue, parse_catalogue
from app.indicators.models import Indicator, IndicatorStatus, KeyTask
from app.indicators.services import weight_problems
from app.org.demo import load_demo

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "key_tasks_2026.xlsx"
HEADER = ["序号", "任务名称", "任务来源", "目标要求", "牵头单位", "责任单位"]


def _workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def demo(app: Flask) -> None:
    load_demo(db.session, password="demo-pass-2026", now=utcnow())
    db.session.commit()


def _count(model: type) -> int:
    return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_sample_catalogue_gives_each_responsible_unit_a_draft(demo: None) -> None:
    rows = parse_catalogue(db.session, SAMPLE.read_bytes(), 2026)
    drafts = import_catalogue(
        db.session, actor=Actor.system("t"), year=2026, rows=rows, now=utcnow()
    )
    db.session.commit()
    assert (len(rows), drafts) == (5, 13)
    indicator = (
        db.session.execute(
            select(Indicator).where(Indicator.key_task_id.is_not(None)).order_by(Indicator.id)
        )
        .scalars()
        .first()
    )
    assert indicator.status is IndicatorStatus.DRAFT
    assert indicator.current.title.startswith("深化营商环境") and indicator.current.number == 1
    with pytest.raises(Conflict):
        import_catalogue(db.session, actor=Actor.system("t"), year=2026, rows=rows, now=utcnow())


def test_every_bad_row_is_named_and_nothing_is_imported(demo: None) -> None:
    content = _workbook(
        [1, "好任务", "省委工作要点", "", "FGW", "FGW"],
        [2, "", "省委工作要点", "", "FGW", "FGW"],
        ["x", "任务三", "", "", "NOPE", "FGW、不存在的单位"],
        [1, "重复编号", "来源", "", "江西省发展和改革委员会", "GXT"],
    )
    with pytest.raises(InvalidInput) as caught:
        parse_catalogue(db.session, content, 2026)
    details = caught.value.details
    by_row = {(d["row"], d["message"]) for d in details}
    assert (3, "The title is missing.") in by_row or (3, "任务名称缺失。") in by_row
    assert {d["row"] for d in details} >= {3, 4, 0}
    assert any("NOPE" in d["message"] for d in details)
    assert any("不存在的单位" in d["message"] for d in details)
    assert _count(KeyTask) == 0 and _count(Indicator) == 0


def test_a_file_that_is_not_a_workbook_is_refused(demo: None) -> None:
    with pytest.raises(InvalidInput):
        parse_catalogue(db.session, b"%PDF-1.4 not excel", 2026)
    with pytest.raises(InvalidInput):
        parse_catalogue(db.session, _workbook(), 2026)


def test_the_cli_imports_the_sample(app: Flask, demo: None) -> None:
    result = app.test_cli_runner().invoke(
        args=["indicators", "import-catalogue", "2026", str(SAMPLE)]
    )
    assert result.exit_code == 0, result.output
    assert "5 key task(s) and 13 draft indicator(s)" in result.output


def test_weights_must_add_up_to_eighty(demo: None) -> None:
    rows = parse_catalogue(db.session, SAMPLE.read_bytes(), 2026)
    import_catalogue(db.session, actor=Actor.system("t"), year=2026, rows=rows, now=utcnow())
    fgw = list(
        db.session.execute(
            select(Indicator)
            .join(Indicator.key_task)
            .where(KeyTask.lead_unit_id.is_not(None), Indicator.unit_id == _unit_id("FGW"))
        ).scalars()
    )
    assert any("80" in p for p in weight_problems(fgw))
    weights = [Decimal(20)] * (len(fgw) - 1)
    weights.append(Decimal(80) - sum(weights))
    for indicator, weight in zip(fgw, weights, strict=True):
        indicator.current.weight = weight
    assert weight_problems(fgw) == []
    fgw[0].current.weight = Decimal(0)
    assert len(weight_problems(fgw)) == 2  # a missing weight, and the total


def _unit_id(code: str) -> int:
    from app.org.services import unit_by_code

    return unit_by_code(db.session, code).id


def test_pages_show_unit_lead_and_office_views(app: Flask, demo: None) -> None:
    from tests.factories import page_csrf, sign_in

    client = app.test_client()
    sign_in(client, "office1", "demo-pass-2026")
    empty = client.get("/indicators/").get_data(as_text=True)
    assert 'data-testid="office-board"' in empty
    refused = client.post(
        "/indicators/catalogue",
        data={
            "csrf_token": page_csrf(client, "/indicators/"),
            "year": "2026",
            "file": (io.BytesIO(_workbook([1, "", "", "", "NOPE", ""])), "bad.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert 'data-testid="catalogue-errors"' in refused.get_data(as_text=True)
    done = client.post(
        "/indicators/catalogue",
        data={
            "csrf_token": page_csrf(client, "/indicators/"),
            "year": "2026",
            "file": (io.BytesIO(SAMPLE.read_bytes()), "key_tasks_2026.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit1", "demo-pass-2026")  # staff of 江西省发展和改革委员会 (FGW)
    page = client.get("/indicators/").get_data(as_text=True)
    assert 'data-testid="own-indicators"' in page and "深化营商环境" in page
    assert 'data-testid="led-tasks"' in page  # FGW leads task 1
    assert 'data-testid="office-board"' not in page
