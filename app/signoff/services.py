"""Sign-off (SPEC §11): the proposal the bodies review, and the final grades with their notice.

Grades become final only in `finalize_grades`, which the last approval of the `signoff` diagram
calls; until then every grade is a proposal in a score run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit.services import record
from app.auth.actor import Actor
from app.calendar.workdays import SHANGHAI
from app.errors import InvalidInput, NotFound
from app.org.models import Category
from app.scoring.arithmetic import rounded
from app.scoring.grades import flag_text
from app.scoring.models import ScoreRow, ScoreRun
from app.scoring.services import latest_run
from app.signoff.models import FinalGrade, GradeNotice
from app.signoff.notice import NoticeCategory, NoticeContent, NoticeUnit, notice_pdf, notice_title

_CATEGORY_ORDER = {category: position for position, category in enumerate(Category)}


def _ordered(rows: Sequence[ScoreRow]) -> list[ScoreRow]:
    return sorted(rows, key=lambda r: (_CATEGORY_ORDER[r.category], r.rank, r.unit.code))


def grades_are_final(session: Session, year: int) -> bool:
    """Whether the year's grades are final (its notice is published)."""
    found = session.execute(select(GradeNotice.id).where(GradeNotice.year == year)).first()
    return found is not None


def _refuse_if_final(session: Session, year: int) -> None:
    if grades_are_final(session, year):
        raise InvalidInput(_("The grades of %(year)d are already final.", year=year))


def grade_proposal(session: Session, year: int) -> dict[str, Any]:
    """The latest score version's proposed grades as the sign-off forms show them, in Chinese:
    category by category in ranking order, each flag explained."""
    _refuse_if_final(session, year)
    run = latest_run(session, year)
    with force_locale("zh"):
        rows = [
            {
                "category": row.category.label,
                "rank": row.rank,
                "unit": row.unit.name_zh,
                "T": f"{rounded(Decimal(row.t)):.2f}",
                "grade": row.proposed_grade.value,
                "flags": "；".join(flag_text(flag) for flag in row.flags),
            }
            for row in _ordered(run.rows)
        ]
    return {
        "version": run.version,
        "rows": rows,
        "flagged": sum(1 for row in run.rows if row.flags),
    }


def _run_of(session: Session, year: int, version: Any) -> ScoreRun:
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidInput(_("The score version must be a number."))
    run = session.execute(
        select(ScoreRun)
        .where(ScoreRun.year == year, ScoreRun.version == version)
        .options(selectinload(ScoreRun.rows).selectinload(ScoreRow.unit))
    ).scalar_one_or_none()
    if run is None:
        raise NotFound(
            _("There is no score version %(version)s of %(year)d.", version=version, year=year)
        )
    return run


def _final_approval(chain: Any, now: datetime) -> tuple[str, date]:
    """The body whose approval closes the chain, and the day it met."""
    if not isinstance(chain, list) or not chain or not isinstance(chain[-1], dict):
        raise InvalidInput(_("The approval chain is missing."))
    last = chain[-1]
    if last.get("decision") != "approve":
        raise InvalidInput(_("The last body has not approved the grades."))
    try:
        day = date.fromisoformat(str(last.get("date")))
    except ValueError:
        day = now.astimezone(SHANGHAI).date()
    return str(last.get("step") or ""), day


def _notice_content(year: int, rows: list[ScoreRow], approved_by: str, day: date) -> NoticeContent:
    with force_locale("zh"):
        categories = [
            NoticeCategory(
                category.label,
                [
                    NoticeUnit(r.unit.name_zh, r.proposed_grade.value)
                    for r in rows
                    if r.category == category
                ],
            )
            for category in Category
            if any(r.category == category for r in rows)
        ]
    return NoticeContent(year, notice_title(year), approved_by, day, categories)


def finalize_grades(
    session: Session,
    actor: Actor,
    *,
    year: int,
    version: Any,
    chain: Any,
    instance_id: int | None,
    now: datetime,
) -> GradeNotice:
    """Make the grades of score version `version` final, approved through `chain`, and publish
    the notice (audited). Refused when the year is already final or the chain not approved."""
    _refuse_if_final(session, year)
    run = _run_of(session, year, version)
    approved_by, day = _final_approval(chain, now)
    rows = _ordered(run.rows)
    content = _notice_content(year, rows, approved_by, day)
    notice = GradeNotice(
        year=year,
        score_run=run,
        instance_id=instance_id,
        title=content.title,
        approved_by=approved_by,
        approved_on=day,
        approval_chain=list(chain),
        published_at=now,
        pdf=notice_pdf(content),
    )
    notice.grades = [
        FinalGrade(
            year=year,
            unit=row.unit,
            category=row.category,
            grade=row.proposed_grade,
            rank=row.rank,
            t=row.t,
            score_run_id=run.id,
        )
        for row in rows
    ]
    session.add(notice)
    session.flush()
    record(
        session,
        actor=actor,
        action="signoff.grades_final",
        object_type="grade_notice",
        object_id=notice.id,
        after={
            "year": year,
            "score_version": run.version,
            "approved_by": approved_by,
            "approved_on": day.isoformat(),
            "grades": {row.unit.code: row.proposed_grade.value for row in rows},
        },
        now=now,
    )
    return notice


def published_notice(session: Session, year: int) -> GradeNotice | None:
    """The year's published notice with its final grades, if the grades are final."""
    return session.execute(
        select(GradeNotice)
        .where(GradeNotice.year == year)
        .options(selectinload(GradeNotice.grades).selectinload(FinalGrade.unit))
    ).scalar_one_or_none()


def published_years(session: Session) -> list[int]:
    """Years whose notice is published, newest first."""
    return list(
        session.execute(select(GradeNotice.year).order_by(GradeNotice.year.desc())).scalars()
    )
