"""Year-end self-evaluation and verification (SPEC §7): per unit and year, each approved
indicator's claim, the lead units' opinions, the verified completion c and the field checks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class VerificationStatus(StrEnum):
    """Where a unit's year-end verification stands."""

    SELF_EVALUATING = "self_evaluating"
    VERIFYING = "verifying"
    FIELD_CHECK = "field_check"
    DONE = "done"


class Finding(StrEnum):
    """What a field check found about a sampled indicator's evidence."""

    CONFIRMED = "confirmed"
    UNTRUE = "untrue"


class Verification(Base):
    """A unit's year-end verification, worked in one `year_end_verification` instance."""

    __tablename__ = "verifications"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    status: Mapped[VerificationStatus] = mapped_column(str_enum(VerificationStatus, 16))
    evidence_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reasons: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The sample for field checks: a secret salt kept from the start, the seed drawn with.
    salt: Mapped[str] = mapped_column(String(64))
    sample_seed: Mapped[str | None] = mapped_column(String(128))
    sample_share: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[VerificationEntry]] = relationship(
        back_populates="verification", order_by="VerificationEntry.indicator_id", lazy="selectin"
    )


class VerificationEntry(Base):
    """One indicator's claim (completion in %, self-score, explanation), the lead unit's opinion,
    the office's verified completion c ∈ [0, 1] and, when sampled, the field check's finding."""

    __tablename__ = "verification_entries"
    __table_args__ = (UniqueConstraint("verification_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("verifications.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    claimed_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    explanation: Mapped[str] = mapped_column(Text, default="")
    lead_assessment: Mapped[str] = mapped_column(String(16), default="")
    lead_opinion: Mapped[str] = mapped_column(Text, default="")
    lead_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_completion: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    sampled: Mapped[bool] = mapped_column(default=False)
    finding: Mapped[Finding | None] = mapped_column(str_enum(Finding, 16))
    finding_note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None]

    verification: Mapped[Verification] = relationship(back_populates="entries")
