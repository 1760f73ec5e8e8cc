"""Surveys, their evaluator groups, one-time invitations and the anonymous answer sheets.

An answer sheet names its survey and group, never the invitation it came through: it has a random
id and no timestamp, so neither a shared time nor the order of ids can link the two.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class EvaluatorGroup(StrEnum):
    """The evaluator groups of SPEC §6."""

    SERVICE_USERS = "service_users"
    PARTY_DELEGATES = "party_delegates"
    NPC_DEPUTIES = "npc_deputies"
    CPPCC_MEMBERS = "cppcc_members"
    OFFICIALS_STAFF = "officials_staff"
    EXPERTS = "experts"

    @property
    def label(self) -> str:
        """The group's name in the user's language."""
        return str(GROUP_LABELS[self])


GROUP_LABELS = {
    EvaluatorGroup.SERVICE_USERS: _l("Main service users"),
    EvaluatorGroup.PARTY_DELEGATES: _l("Party congress delegates"),
    EvaluatorGroup.NPC_DEPUTIES: _l("NPC deputies"),
    EvaluatorGroup.CPPCC_MEMBERS: _l("CPPCC members"),
    EvaluatorGroup.OFFICIALS_STAFF: _l("Officials and staff"),
    EvaluatorGroup.EXPERTS: _l("Experts"),
}

# Level number → (level name as the scoring inputs spell it, default score); 不了解 is NULL.
LEVELS: dict[int, tuple[str, Decimal]] = {
    5: ("非常满意", Decimal(100)),
    4: ("满意", Decimal(75)),
    3: ("基本满意", Decimal(50)),
    2: ("不满意", Decimal(25)),
    1: ("非常不满意", Decimal(0)),
}
LEVEL_LABELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Fairly satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
}


class InvitationStatus(StrEnum):
    """Where a one-time invitation stands."""

    ISSUED = "issued"
    USED = "used"
    REVOKED = "revoked"


class Survey(Base):
    """The year's survey: open from `opens_on` to the end of `closes_on` (Asia/Shanghai)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    groups: Mapped[list[SurveyGroup]] = relationship(
        back_populates="survey", order_by="SurveyGroup.id", lazy="selectin"
    )


class SurveyGroup(Base):
    """One evaluator group of a survey; `weight` (optional) weighs the group's mean in Y."""

    __tablename__ = "survey_groups"
    __table_args__ = (UniqueConstraint("survey_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    kind: Mapped[EvaluatorGroup] = mapped_column(str_enum(EvaluatorGroup, 32))
    weight: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))

    survey: Mapped[Survey] = relationship(back_populates="groups")


class SurveyInvitation(Base):
    """A one-time invitation; the token is derived from `nonce` with the app's key and only its
    SHA-256 is kept for look-up. No use time is stored (it would link the invitation to a sheet)."""

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus, 16), default=InvitationStatus.ISSUED
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[SurveyGroup] = relationship(lazy="joined")


class SurveyResponse(Base):
    """One evaluator's answer sheet: a random id, the survey and group, nothing else."""

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("survey_groups.id", ondelete="CASCADE"))


class SurveyAnswer(Base):
    """One unit's level on one sheet; `level` NULL is 不了解 (don't know)."""

    __tablename__ = "survey_answers"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    level: Mapped[int | None] = mapped_column(SmallInteger)
