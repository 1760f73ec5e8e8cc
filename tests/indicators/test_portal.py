"""The public portal (issue 5 §6): published versions and checked progress only. A draft, an
internal comment, an unpublished version or unchecked progress never appears."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.indicators.models import Indicator, IndicatorVersion
from app.org.models import Unit
from app.progress.models import ProgressEntry, ProgressReport, ReportStatus
from tests.indicators.drive import draft_and_sign, review_and_approve, work
from tests.workflow.helpers import bearer, start

YEAR = 2026
DUTY = {
    "title": "依法履职和政务公开",
    "target": "全年无重大失误",
    "measure": "督查结果",
    "weight": 20,
}


def _unit_indicators(code: str) -> list[Indicator]:
    db.session.expire_all()
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()
    query = select(Indicator).where(Indicator.unit_id == unit.id).order_by(Indicator.id)
    return list(db.session.execute(query).scalars())


def _report(indicator: Indicator, period: str, percent: int, status: ReportStatus) -> None:
    report = ProgressReport(
        year=YEAR, period=period, unit_id=indicator.unit_id, status=status, due_at=utcnow()
    )
    report.entries.append(ProgressEntry(indicator_id=indicator.id, percent=percent, summary="—"))
    db.session.add(report)
    db.session.commit()


def test_the_portal_shows_published_versions_and_checked_progress_only(
    shipped: FlaskClient,
) -> None:
    client = shipped
    office = bearer(client, "office1")
    # FGW: returned once with an internal comment, then approved and published.
    start(client, office, "indicator_setting", unit_code="FGW", data={"year": YEAR})
    draft_and_sign(client, "unit1", "head1", extra=[DUTY])
    work(
        client, "office1", "office_check", office_decision="return", office_comment="内部审核意见甲"
    )
    draft_and_sign(client, "unit1", "head1")
    review_and_approve(client, "leader1", opinion="专家内部评审意见乙")
    # The second unit's drafts stay in review: nothing of them is public.
    start(client, office, "indicator_setting", unit_code="GXT", data={"year": YEAR})
    gxt = _unit_indicators("GXT")
    gxt[0].current.title = "未公开的草稿指标丙"
    db.session.commit()

    fgw = _unit_indicators("FGW")
    duty = next(i for i in fgw if i.current.title == DUTY["title"])
    # An unpublished version (as an adjustment in progress would leave) stays private.
    duty.versions.append(
        IndicatorVersion(number=2, title="未公布的新版本丁", source="-", weight=duty.current.weight)
    )
    duty.current_version = 2
    db.session.commit()
    _report(fgw[0], "2026-03", 40, ReportStatus.CHECKED)
    _report(fgw[0], "2026-04", 77, ReportStatus.SUBMITTED)

    page = client.get("/portal/?year=2026").get_data(as_text=True)
    assert "江西省发展和改革委员会" in page
    assert DUTY["title"] in page and "全年无重大失误" in page
    assert "40%" in page and "77%" not in page
    for secret in (
        "内部审核意见甲",
        "专家内部评审意见乙",
        "未公开的草稿指标丙",
        "未公布的新版本丁",
    ):
        assert secret not in page
    units = client.get("/portal/?year=2026&category=economic").get_data(as_text=True)
    assert units.count('data-testid="portal-unit"') == 1  # GXT has nothing published
    found = client.get("/portal/?year=2026&q=政务公开").get_data(as_text=True)
    assert found.count('data-testid="portal-indicator"') == 1
    assert client.get("/portal/?year=2026&q=不存在的指标").status_code == 200


def test_the_portal_needs_no_sign_in_and_shows_the_adjustment_history(shipped: FlaskClient) -> None:
    client = shipped
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft_and_sign(client, "unit1", "head1", extra=[DUTY])
    review_and_approve(client, "leader1")
    duty = next(i for i in _unit_indicators("FGW") if i.current.title == DUTY["title"])
    later = duty.current.published_at + timedelta(days=30)  # type: ignore[operator]
    duty.versions.append(
        IndicatorVersion(
            number=2,
            title=DUTY["title"],
            source="-",
            target="政务公开率100%",
            weight=duty.current.weight,
            reason="省政府新要求",
            published_at=later,
        )
    )
    duty.current_version = 2
    db.session.commit()

    page = client.get("/portal/").get_data(as_text=True)
    assert "政务公开率100%" in page and "省政府新要求" in page
    assert "Adjustment history" in page or "调整记录" in page


def test_a_portal_with_nothing_published_says_so(client: FlaskClient) -> None:
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "暂无公布内容" in page.get_data(as_text=True)
    assert client.get("/portal/?year=abc&category=nonsense&q=" + "长" * 500).status_code == 200
