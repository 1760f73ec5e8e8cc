"""Daily management (SPEC §5): monthly progress reports and the process-management score P."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class ReportStatus(StrEnum):
    """Where a unit's report for one period stands."""

    OPEN = "open"
    SUBMITTED = "submitted"
    CHECKED = "checked"
    MISSING = "missing"


class ProgressReport(Base):
    """A unit's progress report for one period (`YYYY-MM`), worked in one procedure instance."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(String(7))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, 16))
    due_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None]
    office_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[ProgressEntry]] = relationship(
        back_populates="report", order_by="ProgressEntry.indicator_id", lazy="selectin"
    )


class ProgressEntry(Base):
    """Progress on one indicator in one report, with the lead unit's comment on key tasks."""

    __tablename__ = "progress_entries"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    percent: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_comment: Mapped[str] = mapped_column(Text, default="")
    lead_commented_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[ProgressReport] = relationship(back_populates="entries")


class ProposalStatus(StrEnum):
    """A deduction or bonus waits for the office to confirm or reject it; a confirmed one waits
    for the office director, who approves it (only then does it count in P) or returns it."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    APPROVED = "approved"
    RETURNED = "returned"


class ProcessRule(Base):
    """A rule of the year's scheme for P: points per occurrence (negative: deduction) and a cap."""

    __tablename__ = "process_rules"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    cap: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))


class Proposal(Base):
    """A proposed P adjustment for a unit, with the rule and the fact (source) behind it."""

    __tablename__ = "p_proposals"
    __table_args__ = (
        UniqueConstraint("rule_code", "source_key"),
        Index("ix_p_proposals_year_unit", "year", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    rule_code: Mapped[str] = mapped_column(String(40))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # What produced it, unique per rule so a fact never proposes twice (e.g. `report:12`).
    source_key: Mapped[str] = mapped_column(String(120))
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, 16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
