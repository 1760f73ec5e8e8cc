"""The demo's finished year made final: its grades approved by the two meetings and the notice
published, as the `signoff` procedure ends (so the portal and the use of results have content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.scoring.services import scored_years
from app.signoff.services import finalize_grades, grades_are_final

DEMO = Actor.system("demo")


def _chain(year: int) -> list[dict[str, str]]:
    """The opinions the sign-off diagram records, from the office's proposal to the last
    meeting, dated in the first quarter of the following year (policy §19)."""
    after = year + 1
    return [
        {"step": "省绩效办报送", "decision": "submit", "date": f"{after}-02-26", "comment": ""},
        {
            "step": "省绩效管理工作领导小组审议",
            "decision": "approve",
            "date": f"{after}-03-03",
            "comment": "同意",
        },
        {"step": "省政府常务会议", "decision": "approve", "date": f"{after}-03-12", "comment": ""},
        {"step": "省委常委会会议", "decision": "approve", "date": f"{after}-03-20", "comment": ""},
    ]


def load_published_notice_demo(session: Session, *, year: int, now: datetime) -> bool:
    """Make the newest score version of `year` final and publish its notice; False when the year
    is already final or has no scores."""
    if grades_are_final(session, year):
        return False
    versions = dict(scored_years(session))
    if year not in versions:
        return False
    finalize_grades(
        session,
        DEMO,
        year=year,
        version=versions[year],
        chain=_chain(year),
        instance_id=None,
        now=now,
    )
    return True
