"""Stored scores: one versioned run per computation, never overwritten (SPEC §8, §10)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum
from app.org.models import Category, Unit
from app.scoring.grades import Grade

# Unrounded Decimals are kept as their exact text: no column scale can hold 46.666… exactly.
_DECIMAL_TEXT = String(80)


class ScoreRun(Base):
    """One computation of a year's scores: a version, who, when, why, and its inputs."""

    __tablename__ = "score_runs"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), index=True)
    version: Mapped[int]
    computed_at: Mapped[datetime]
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    computed_by_name: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    quota_rounding: Mapped[str] = mapped_column(String(16))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)

    rows: Mapped[list[ScoreRow]] = relationship(
        back_populates="run", order_by="ScoreRow.id", cascade="all, delete-orphan"
    )


class ScoreRow(Base):
    """One unit's score in a run: every component unrounded, its rank and proposed grade."""

    __tablename__ = "score_rows"
    __table_args__ = (UniqueConstraint("run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, 32))
    k: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    l: Mapped[str] = mapped_column(_DECIMAL_TEXT)  # noqa: E741  (SPEC §8's L)
    i: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    p: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    leader: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    d: Mapped[str | None] = mapped_column(_DECIMAL_TEXT)
    y: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    public: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    dept: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    e: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    t: Mapped[str] = mapped_column(_DECIMAL_TEXT)
    rank: Mapped[int]
    proposed_grade: Mapped[Grade] = mapped_column(str_enum(Grade, 8))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    excellent_places: Mapped[int]

    run: Mapped[ScoreRun] = relationship(back_populates="rows")
    unit: Mapped[Unit] = relationship()


class CaseKind(StrEnum):
    """The two kinds of §22 case that take a unit out of 优秀."""

    LEADERSHIP_CORRUPTION = "leadership_corruption"
    STAFF_VIOLATION = "staff_violation"

    @property
    def label(self) -> str:
        labels = {
            CaseKind.LEADERSHIP_CORRUPTION: _("Major corruption in the leadership"),
            CaseKind.STAFF_VIOLATION: _("Staff violation causing a major loss or bad impact"),
        }
        return str(labels[self])


class Exemption(StrEnum):
    """The two §22 exemptions: the case does not disqualify the unit."""

    INVESTIGATED_ITSELF = "investigated_itself"
    MOVED_FOR_THE_CASE = "moved_for_the_case"

    @property
    def label(self) -> str:
        labels = {
            Exemption.INVESTIGATED_ITSELF: _("The unit investigated the case itself"),
            Exemption.MOVED_FOR_THE_CASE: _(
                "The person was moved to the unit for the investigation"
            ),
        }
        return str(labels[self])


class DisqualificationCase(Base):
    """A recorded §22 case of a unit in a year; not exempted, it takes the unit out of 优秀."""

    __tablename__ = "disqualification_cases"
    __table_args__ = (Index("ix_disqualification_cases_year_unit", "year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, 32))
    description: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(80))
    exemption: Mapped[Exemption | None] = mapped_column(str_enum(Exemption, 32))
    exemption_note: Mapped[str] = mapped_column(Text, default="")
    exempted_at: Mapped[datetime | None]
    exempted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exempted_by_name: Mapped[str] = mapped_column(String(80), default="")

    unit: Mapped[Unit] = relationship()
