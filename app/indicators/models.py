"""Indicators (SPEC §4): the year's key-task catalogue and each unit's indicators with versions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class IndicatorKind(StrEnum):
    """Key tasks come from the catalogue; duties from the unit's mandate (三定)."""

    KEY_TASK = "key_task"
    DUTY = "duty"


class IndicatorStatus(StrEnum):
    """Where an indicator stands in setting (§15) and adjustment (§16)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    CANCELLED = "cancelled"


class KeyTask(Base):
    """One row of the year's key-task catalogue 年度重点工作任务, with its lead unit."""

    __tablename__ = "key_tasks"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Indicator(Base):
    """A unit's indicator in a year; its content lives in versions, the latest being current."""

    __tablename__ = "indicators"
    __table_args__ = (Index("ix_indicators_year_unit", "year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[IndicatorKind] = mapped_column(str_enum(IndicatorKind, 16))
    key_task_id: Mapped[int | None] = mapped_column(ForeignKey("key_tasks.id"))
    status: Mapped[IndicatorStatus] = mapped_column(str_enum(IndicatorStatus, 16))
    current_version: Mapped[int] = mapped_column(default=1)
    # The setting or adjustment procedure working on the indicator now, if any.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[IndicatorVersion]] = relationship(
        back_populates="indicator", order_by="IndicatorVersion.number", lazy="selectin"
    )
    key_task: Mapped[KeyTask | None] = relationship()

    @property
    def current(self) -> IndicatorVersion:
        """The version in force."""
        return next(v for v in self.versions if v.number == self.current_version)

    @property
    def published(self) -> list[IndicatorVersion]:
        """The versions shown to the public, oldest first; the last is the one in force."""
        return [v for v in self.versions if v.published_at is not None]


class IndicatorVersion(Base):
    """One version of an indicator's content; earlier versions stay as its history."""

    __tablename__ = "indicator_versions"
    __table_args__ = (UniqueConstraint("indicator_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[str | None] = mapped_column(ForeignKey("evidence_files.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    indicator: Mapped[Indicator] = relationship(back_populates="versions")


class KeyTaskUnit(Base):
    """A unit responsible for a key task (one indicator draft each)."""

    __tablename__ = "key_task_units"
    __table_args__ = (UniqueConstraint("key_task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_task_id: Mapped[int] = mapped_column(ForeignKey("key_tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
