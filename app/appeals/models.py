"""Deliveries of results, the appeals units file against them, and the office's decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum
from app.org.models import Unit


class DeliveryState(StrEnum):
    """Where a unit stands after its results were delivered."""

    AWAITING = "awaiting"  # the unit may still appeal or accept
    ACCEPTED = "accepted"
    WINDOW_CLOSED = "window_closed"  # five working days passed unanswered
    REFUSED_LATE = "refused_late"
    UNDER_REVIEW = "under_review"  # the appeal reached the office
    UPHELD = "upheld"
    REJECTED = "rejected"


class AppealStatus(StrEnum):
    """An appeal's state."""

    REFUSED_LATE = "refused_late"
    RECEIVED = "received"
    UPHELD = "upheld"
    REJECTED = "rejected"


class AppealOutcome(StrEnum):
    """The office's decision on an appeal."""

    UPHELD = "upheld"
    REJECTED = "rejected"


class ResultDelivery(Base):
    """A year's score version delivered to one unit, worked in one `appeal` instance."""

    __tablename__ = "result_deliveries"
    __table_args__ = (Index("ix_result_deliveries_year_unit", "year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    score_run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"))
    score_version: Mapped[int]
    delivered_at: Mapped[datetime]
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivered_by_name: Mapped[str] = mapped_column(String(80))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState, 16))

    unit: Mapped[Unit] = relationship()
    appeals: Mapped[list[Appeal]] = relationship(back_populates="delivery", order_by="Appeal.id")


class Appeal(Base):
    """A unit's written appeal (text and document), signed by its head, as the office got it."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("result_deliveries.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(String(36))
    # Who sent it on: the head who signed it, or the staff whose filing came too late.
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_by_name: Mapped[str] = mapped_column(String(80))
    filed_at: Mapped[datetime]
    appeal_due_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    reply_due_at: Mapped[datetime | None]
    status: Mapped[AppealStatus] = mapped_column(str_enum(AppealStatus, 16))
    refusal: Mapped[str] = mapped_column(Text, default="")

    delivery: Mapped[ResultDelivery] = relationship(back_populates="appeals")
    decision: Mapped[AppealDecision | None] = relationship(back_populates="appeal")


class AppealDecision(Base):
    """The office's decision: who, when, the reply, each changed input and the score versions."""

    __tablename__ = "appeal_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), unique=True)
    outcome: Mapped[AppealOutcome] = mapped_column(str_enum(AppealOutcome, 16))
    reply: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime]
    # [{"input": "indicators[0].completion", "label": "…", "old": "0.8", "new": "0.95"}]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version_before: Mapped[int]
    version_after: Mapped[int | None]

    appeal: Mapped[Appeal] = relationship(back_populates="decision")
