"""Each year's phase dates, as the office sets them, and whether a phase is held or open."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.cycle.phases import Phase
from app.db import Base, str_enum


class CyclePhase(Base):
    """One phase of one year: its date, the office's hold or early opening, when it opened."""

    __tablename__ = "cycle_phases"
    __table_args__ = (UniqueConstraint("year", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), index=True)
    phase: Mapped[Phase] = mapped_column(str_enum(Phase, 24))
    opens_on: Mapped[date]
    held: Mapped[bool] = mapped_column(default=False)
    open_early: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
