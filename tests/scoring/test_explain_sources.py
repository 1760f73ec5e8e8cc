"""The explain page traces each component to what produced it (issue 13 §4): the approved P
deductions with their reason, who confirmed and approved them and what the cap cut, and links to
the office pages filtered to the unit, which show only that unit and stay closed to units."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.appeals.delivery import record_delivery
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.evidence.services import store_evidence
from app.extensions import db
from app.org.services import unit_by_code
from app.progress.models import ProcessRule, Proposal, ProposalStatus
from app.scoring.demo import add_confirmed_proposal, add_indicator
from app.scoring.inputs import parse_inputs
from app.scoring.services import store_scores
from app.verification.models import Verification
from tests.factories import make_unit, make_user, sign_in
from tests.scoring.builders import worked_example_document

NOW = datetime(2027, 2, 20, 2, 0, tzinfo=UTC)
YEAR = 2026


def _late_reports(unit_id: int, count: int, office: User, director: User) -> None:
    for n in range(count):
        db.session.add(
            Proposal(
                year=YEAR,
                unit_id=unit_id,
                rule_code="late_report",
                points=Decimal("-0.5"),
                source_key=f"report:{unit_id}:{n}",
                source={"period": f"2026-{n + 1:02d}"},
                status=ProposalStatus.APPROVED,
                reason=f"第{n + 1}期月报逾期属实",
                decided_by_id=office.id,
                decided_at=NOW,
                reviewed_by_id=director.id,
                reviewed_at=NOW,
                created_at=NOW,
            )
        )


@pytest.fixture
def scored(app: Any) -> None:
    fgw = make_unit("FGW", name="省发展改革委")
    nyt = make_unit("NYT", name="省农业农村厅")
    make_user("fgw_staff", (Role.UNIT_STAFF, fgw))
    office = make_user("office1", Role.OFFICE_STAFF)
    office.display_name = "绩效办张三"
    director = make_user("director1", Role.OFFICE_DIRECTOR)
    director.display_name = "主任李四"
    s = db.session
    add_confirmed_proposal(  # creates the year's default rules: late_report capped at 5
        s, year=YEAR, unit_id=nyt.id, rule="overdue_task", points=Decimal("-0.2"), now=NOW
    )
    assert s.execute(
        select(ProcessRule.cap).where(ProcessRule.year == YEAR, ProcessRule.code == "late_report")
    ).scalar_one() == Decimal(5)
    _late_reports(fgw.id, 12, office, director)  # 12 × −0.5 = −6, the cap keeps −5
    for unit in (fgw, nyt):
        add_indicator(
            s, year=YEAR, unit_id=unit.id, weight=Decimal(50), completion=Decimal("0.9"), now=NOW
        )
    evidence = store_evidence(
        s,
        actor=actor_for(office),
        name="自评材料.pdf",
        content=b"%PDF-1.7\n...",
        unit_id=fgw.id,
        instance_id=None,
        now=NOW,
    )
    verification = s.execute(
        select(Verification).where(Verification.unit_id == fgw.id)
    ).scalar_one()
    verification.evidence_ids = [evidence.id]
    nyt_inputs = {**worked_example_document("NYT"), "deductions": "0.2"}
    inputs = parse_inputs({"year": YEAR, "units": [worked_example_document("FGW"), nyt_inputs]})
    store_scores(s, actor_for(office), YEAR, inputs, "年度计分", now=NOW)  # FGW deductions 5
    s.commit()


@pytest.mark.usefixtures("scored")
def test_the_explain_page_lists_each_deduction_with_its_approver_and_the_cap(
    client: FlaskClient,
) -> None:
    sign_in(client, "office1")
    page = client.get(f"/scores/{YEAR}/FGW").get_data(as_text=True)
    adjustments = page.split('data-testid="adjustments"', 1)[1].split("</section>", 1)[0]
    assert adjustments.count('data-testid="adjustment"') == 12
    assert "第1期月报逾期属实" in adjustments and "2026-01" in adjustments
    assert "绩效办张三" in adjustments and "主任李四" in adjustments
    assert "2027-02-20 10:00" in adjustments  # approved at, shown in Shanghai time
    cap = adjustments.split('data-testid="cap"', 1)[1].split("</div>", 1)[0]
    assert "记录 -6.00 分" in cap and "上限 5.00 分" in cap and "超出上限未计 1.00 分" in cap
    assert "本版本计算所依据的不同" not in adjustments  # the version took the capped 5


@pytest.mark.usefixtures("scored")
def test_each_component_links_to_its_source_filtered_to_the_unit(client: FlaskClient) -> None:
    sign_in(client, "office1")
    page = client.get(f"/scores/{YEAR}/FGW").get_data(as_text=True)
    parts = page.split('data-testid="components"', 1)[1].split("</table>", 1)[0]
    expected = {
        "K": f"/verification/{YEAR}?unit=FGW",
        "L": f"/evaluations/{YEAR}?unit=FGW",
        "P": f"/progress/proposals?year={YEAR}&amp;status=all&amp;unit=FGW",
        "Leader": f"/evaluations/{YEAR}?unit=FGW",
        "D": f"/ratings/?year={YEAR}&amp;unit=FGW",
        "Dept": f"/evaluations/{YEAR}?unit=FGW",
    }
    for symbol, link in expected.items():
        row = parts.split(f'id="part-{symbol}"', 1)[1].split("</tr>", 1)[0]
        assert f'href="{link}" data-testid="source-{symbol}"' in row, symbol
    counts = page.split('data-testid="rating-counts"', 1)[1].split("</p>", 1)[0]
    assert "有效 0 条" in counts and "无效 0 条" in counts


@pytest.mark.usefixtures("scored")
def test_the_filtered_pages_show_only_that_unit(client: FlaskClient) -> None:
    sign_in(client, "office1")
    for path in (
        f"/verification/{YEAR}",
        f"/evaluations/{YEAR}",
        f"/ratings/?year={YEAR}",
        f"/progress/proposals?year={YEAR}&status=all",
    ):
        every = client.get(path).get_data(as_text=True)
        assert "省发展改革委" in every and "省农业农村厅" in every, path
        joiner = "&" if "?" in path else "?"
        response = client.get(f"{path}{joiner}unit=fgw")
        assert response.status_code == 200, path
        only = response.get_data(as_text=True)
        assert "省发展改革委" in only and "省农业农村厅" not in only, path
        assert 'data-testid="unit-filter"' in only and 'data-testid="unit-filter"' not in every
    board = client.get(f"/verification/{YEAR}?unit=FGW").get_data(as_text=True)
    evidence = board.split('data-testid="evidence"', 1)[1].split("</div>", 1)[0]
    assert "自评材料.pdf" in evidence and 'href="/evidence/' in evidence

    def listed(path: str) -> int:
        page = client.get(path).get_data(as_text=True)
        return page.split('data-testid="proposals"', 1)[1].split("</ul>", 1)[0].count("<li ")

    assert listed(f"/progress/proposals?year={YEAR}&status=all") == 13
    assert listed(f"/progress/proposals?year={YEAR}&status=all&unit=FGW") == 12
    assert listed(f"/progress/proposals?year={YEAR}&status=approved&unit=NYT") == 1


@pytest.mark.usefixtures("scored")
def test_a_unit_gets_no_office_links_and_no_filtered_office_pages(client: FlaskClient) -> None:
    record_delivery(
        db.session,
        Actor.system("test"),
        unit_id=unit_by_code(db.session, "FGW").id,
        year=YEAR,
        delivered_at=NOW,
        instance_id=None,
    )
    db.session.commit()
    sign_in(client, "fgw_staff")
    page = client.get(f"/scores/{YEAR}/FGW")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "第1期月报逾期属实" in html  # the unit sees what was deducted and why
    for office_page in ("/verification/", "/evaluations/", "/ratings/", "/progress/"):
        assert f'href="{office_page}' not in html
    assert 'data-testid="rating-counts"' not in html
    for path in (
        f"/verification/{YEAR}?unit=FGW",
        f"/evaluations/{YEAR}?unit=FGW",
        f"/ratings/?year={YEAR}&unit=FGW",
        f"/progress/proposals?year={YEAR}&status=all&unit=FGW",
    ):
        assert client.get(path).status_code == 403, path
