"""Final grades and the notice that publishes them: written only by the last approval (SPEC §11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum
from app.org.models import Category, Unit
from app.scoring.grades import Grade
from app.scoring.models import ScoreRun


class GradeNotice(Base):
    """The year's sign-off: the score version approved, the approval chain, the notice PDF."""

    __tablename__ = "grade_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), unique=True)
    score_run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    title: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str] = mapped_column(String(200))  # the meeting whose approval was final
    approved_on: Mapped[date]
    # Each body's step, decision, date, comments and minutes, in order, returns included.
    approval_chain: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_at: Mapped[datetime]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)

    score_run: Mapped[ScoreRun] = relationship()
    grades: Mapped[list[FinalGrade]] = relationship(
        back_populates="notice", order_by="FinalGrade.id"
    )


class FinalGrade(Base):
    """A unit's final grade of a year, from one score version, approved through the chain."""

    __tablename__ = "final_grades"
    __table_args__ = (UniqueConstraint("year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, 32))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, 8))
    rank: Mapped[int]
    t: Mapped[str] = mapped_column(String(80))
    score_run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("grade_notices.id"), index=True)

    unit: Mapped[Unit] = relationship()
    notice: Mapped[GradeNotice] = relationship(back_populates="grades")
