"""Rectifications ordered from the results (SPEC §12): one per unit, year and kind."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum
from app.org.models import Unit


class RectificationKind(StrEnum):
    """Why a rectification is ordered: the `data.kind` of the rectification procedure."""

    THREE_YEAR_PASS = "three_year_pass"  # noqa: S105  (a kind, not a password)
    FAIL = "fail"


class RectificationOrder(Base):
    """A rectification the office ordered for a unit from a year's results."""

    __tablename__ = "rectification_orders"
    __table_args__ = (UniqueConstraint("year", "unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[RectificationKind] = mapped_column(str_enum(RectificationKind, 24))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    ordered_at: Mapped[datetime]
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordered_by_name: Mapped[str] = mapped_column(String(80))

    unit: Mapped[Unit] = relationship()
