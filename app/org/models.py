"""Assessment years, categories and units (SPEC §2)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from app.auth.models import User


class Category(StrEnum):
    """The six categories of §5, used for grading."""

    PARTY_GOV = "party_gov"
    ECONOMIC = "economic"
    LAW_ENFORCEMENT = "law_enforcement"
    SOCIAL_SERVICE = "social_service"
    PEOPLE_ORG = "people_org"
    CENTRAL = "central"

    @property
    def label(self) -> str:
        """The category's name in the user's language."""
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.PARTY_GOV: _l("Party and government general"),
    Category.ECONOMIC: _l("Economic development"),
    Category.LAW_ENFORCEMENT: _l("Law enforcement and supervision"),
    Category.SOCIAL_SERVICE: _l("Social services"),
    Category.PEOPLE_ORG: _l("People's organisations and democratic parties"),
    Category.CENTRAL: _l("Central units in Jiangxi"),
}


class YearStatus(StrEnum):
    """Where an assessment year stands."""

    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


class AssessmentYear(Base):
    """One assessment year; the units assessed and their categories are fixed per year."""

    __tablename__ = "assessment_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[YearStatus] = mapped_column(
        str_enum(YearStatus, 16), default=YearStatus.PLANNING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How the grade quotas become whole places (SPEC §9): app.scoring.inputs.QuotaRounding's value.
    quota_rounding: Mapped[str] = mapped_column(String(16), default="floor", server_default="floor")


class Unit(Base):
    """An assessed agency; its category and leader in charge live in its yearly membership."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    rating_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[UnitMembership]] = relationship(back_populates="unit")


class UnitMembership(Base):
    """A unit assessed in a year: its category, leader in charge and headcount that year."""

    __tablename__ = "unit_memberships"
    __table_args__ = (UniqueConstraint("year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("assessment_years.year"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, 32))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    headcount: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="memberships")
    leader: Mapped[User | None] = relationship()
