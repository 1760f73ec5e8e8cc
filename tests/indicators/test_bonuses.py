"""Bonuses proposed by the office (SPEC §8's P), and the office director's approval that every
confirmed deduction and bonus needs before it counts in P (issue 18)."""

from __future__ import annotations

import io
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.auth.actor import Actor
from app.db import utcnow
from app.extensions import db
from app.progress import proposals
from app.progress.models import Proposal, ProposalStatus
from tests.factories import page_csrf, sign_in
from tests.indicators.test_progress_reporting import YEAR, _unit

PAGE = "/progress/proposals"


def _missing_reports(unit_id: int, months: int) -> None:
    """Three confirmed and approved missing-report deductions: P 97 before any bonus."""
    for month in range(1, months + 1):
        proposal = proposals.propose(
            db.session,
            actor=Actor.system("test"),
            year=YEAR,
            unit_id=unit_id,
            rule_code="missing_report",
            source_key=f"test:{month}",
            source={"period": f"2026-0{month}"},
            now=utcnow(),
        )
        assert proposal is not None
        proposal.status = ProposalStatus.APPROVED
    db.session.commit()


def _post(client: FlaskClient, url: str, **data: object) -> TestResponse:
    return client.post(url, data={"csrf_token": page_csrf(client, PAGE), "year": YEAR, **data})


def _p(unit_id: int) -> Decimal:
    db.session.expire_all()
    return proposals.p_scores(db.session, YEAR, [unit_id])[unit_id]


def test_a_bonus_is_proposed_confirmed_returned_and_approved_before_it_counts(
    shipped: FlaskClient,
) -> None:
    client = shipped
    fgw = _unit("FGW").id
    _missing_reports(fgw, 3)
    assert _p(fgw) == Decimal(97)
    sign_in(client, "office1")

    # Without evidence the bonus is refused next to the field, and nothing is created.
    refused = _post(client, "/progress/bonuses", unit_id=fgw, points="2", reason="获国务院表彰")
    assert refused.status_code == 422
    assert "请上传加分的佐证材料" in refused.get_data(as_text=True)
    assert db.session.execute(select(Proposal).where(Proposal.rule_code == "bonus")).first() is None

    proposed = client.post(
        "/progress/bonuses",
        data={
            "csrf_token": page_csrf(client, PAGE),
            "year": YEAR,
            "unit_id": fgw,
            "points": "2",
            "reason": "获国务院表彰",
            "evidence": (io.BytesIO(b"%PDF-1.7\n commendation"), "表彰文件.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert proposed.status_code == 302
    bonus = db.session.execute(select(Proposal).where(Proposal.rule_code == "bonus")).scalar_one()
    assert (bonus.points, bonus.status) == (Decimal(2), ProposalStatus.PROPOSED)
    assert bonus.source["reason"] == "获国务院表彰" and bonus.source["evidence"]

    assert _post(client, f"/progress/proposals/{bonus.id}", decision="confirm", reason="属实")
    assert _p(fgw) == Decimal(97)  # confirmed by the office, not yet approved
    db.session.refresh(bonus)
    assert bonus.status is ProposalStatus.CONFIRMED
    # Office staff do not approve their own proposals.
    office_try = _post(client, f"/progress/proposals/{bonus.id}/review", decision="approve")
    assert office_try.status_code == 403

    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "director1")
    page = client.get(f"{PAGE}?status=confirmed").get_data(as_text=True)
    assert f'data-testid="review-{bonus.id}"' in page and "获国务院表彰" in page
    no_reason = _post(client, f"/progress/proposals/{bonus.id}/review", decision="return")
    assert no_reason.status_code == 422
    assert "请说明退回绩效办的理由" in no_reason.get_data(as_text=True)
    _post(client, f"/progress/proposals/{bonus.id}/review", decision="return", reason="分值偏高")
    db.session.refresh(bonus)
    assert (bonus.status, bonus.review_reason) == (ProposalStatus.RETURNED, "分值偏高")
    assert _p(fgw) == Decimal(97)

    # The office sees the director's reason and confirms again; the director approves.
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "office1")
    assert "分值偏高" in client.get(f"{PAGE}?status=returned").get_data(as_text=True)
    _post(client, f"/progress/proposals/{bonus.id}", decision="confirm", reason="已核实，维持")
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "director1")
    _post(client, f"/progress/proposals/{bonus.id}/review", decision="approve")
    assert _p(fgw) == Decimal(99)
