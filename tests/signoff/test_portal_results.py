"""The portal (policy §23): the published notice and each unit's final grade, and nothing of a
proposal or a sign-off in progress before the last approval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.indicators.drive import done, only_task
from tests.signoff.province import deploy_signoff, finalize, make_province, store
from tests.workflow.helpers import bearer, start

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
PAGES = (
    ("/portal/", ""),
    ("/portal/?year=2026", ""),
    ("/portal/?q=省发展改革委", "省发展改革委"),
    ("/portal/?q=优秀", "优秀"),
)
WORDS = ("优秀", "良好", "不合格", "省发展改革委", "通报")


@pytest.fixture
def unpublished(app: Flask, client: FlaskClient) -> FlaskClient:
    """Proposed grades in a score run, and a sign-off approved by the leading group."""
    make_province()
    store(2026, NOW)
    deploy_signoff(app, client)
    office, group = bearer(client, "office1"), bearer(client, "group1")
    start(client, office, "signoff", data={"year": 2026})
    done(client, office, only_task(client, office, "office_proposal"), office_action="submit")
    done(client, group, only_task(client, group, "group_review"), group_decision="approve")
    return client


def test_nothing_of_the_grades_appears_before_sign_off(unpublished: FlaskClient) -> None:
    client = unpublished
    for path, query in PAGES:
        page = client.get(path)
        assert page.status_code == 200
        # The search box repeats what was searched; nothing else may name a grade or a unit.
        text = page.get_data(as_text=True).replace(f'value="{query}"', "")
        assert [word for word in WORDS if word in text] == [], path
        assert "/portal/results/2026" not in text
    for path in (
        "/portal/results/2026",
        "/portal/results/2026?q=省商务厅",
        "/portal/results/2026/notice.pdf",
    ):
        assert client.get(path).status_code == 404


def test_the_published_notice_and_final_grades_by_category(app: Flask, client: FlaskClient) -> None:
    make_province()
    finalize(store(2026, NOW), NOW)
    index = client.get("/portal/").get_data(as_text=True)
    assert "/portal/results/2026" in index and "2026 年度省直机关绩效管理考核结果通报" in index
    page = client.get("/portal/results/2026").get_data(as_text=True)
    assert "关于2026年度省直机关绩效管理考核结果的通报" in page
    assert "经济发展类" in page and "社会服务类" in page
    assert "省发展改革委</td><td>优秀" in page
    assert "省委常委会会议" in page
    found = client.get("/portal/results/2026?q=省教育厅").get_data(as_text=True)
    assert "省教育厅" in found and "省发展改革委" not in found
    pdf = client.get("/portal/results/2026/notice.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"2026" in pdf.data
