"""Year-end evaluations of §14 kept here: the rating sheets of provincial leaders, of the leading
group and of the lead units (one score 0–100 or an abstention per unit), and the departmental
items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class SheetKind(StrEnum):
    """Who fills a rating sheet: a provincial leader (Leader), a leading-group member (L) or a
    lead unit (L, for the units responsible for the key tasks it leads)."""

    LEADER = "leader"
    LEADING_GROUP = "leading_group"
    LEAD_UNIT = "lead_unit"

    @property
    def label(self) -> str:
        """The kind's name in the user's language."""
        return str(SHEET_KIND_LABELS[self])


SHEET_KIND_LABELS = {
    SheetKind.LEADER: _l("Provincial leaders' evaluation"),
    SheetKind.LEADING_GROUP: _l("Leading group's assessment of indicator completion"),
    SheetKind.LEAD_UNIT: _l("Lead unit's assessment of indicator completion"),
}


class SheetStatus(StrEnum):
    """A sheet is a draft until its rater submits it; only the office reopens it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class RatingSheet(Base):
    """One rater's scores of every unit of a year. A lead unit's sheet belongs to the rating
    unit (`unit_id`; `rater_id` is the staff member who started it) and scores only the units
    responsible for the key tasks it leads."""

    __tablename__ = "evaluation_sheets"
    __table_args__ = (
        UniqueConstraint("year", "kind", "rater_id"),
        UniqueConstraint("year", "kind", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[SheetKind] = mapped_column(str_enum(SheetKind, 16))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[SheetStatus] = mapped_column(str_enum(SheetStatus, 16))
    submitted_at: Mapped[datetime | None]
    reopen_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    marks: Mapped[list[RatingMark]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", lazy="selectin"
    )


class RatingMark(Base):
    """A unit's score on a sheet, or the rater's abstention."""

    __tablename__ = "evaluation_marks"
    __table_args__ = (UniqueConstraint("sheet_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sheets.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    abstained: Mapped[bool] = mapped_column(default=False)

    sheet: Mapped[RatingSheet] = relationship(back_populates="marks")


class DepartmentItem(StrEnum):
    """The departmental items of §14(三) (CONTRACT keys)."""

    LEADERSHIP = "leadership"
    PARTY = "party"
    SECURITY = "security"
    ENERGY = "energy"
    BUDGET = "budget"

    @property
    def full_marks(self) -> Decimal:
        """The item's full marks (SPEC §6)."""
        return FULL_MARKS[self]

    @property
    def label(self) -> str:
        """The item's name in the user's language."""
        return str(ITEM_LABELS[self])


FULL_MARKS = {
    DepartmentItem.LEADERSHIP: Decimal(15),
    DepartmentItem.PARTY: Decimal(10),
    DepartmentItem.SECURITY: Decimal(10),
    DepartmentItem.ENERGY: Decimal(10),
    DepartmentItem.BUDGET: Decimal(5),
}
ITEM_LABELS = {
    DepartmentItem.LEADERSHIP: _l("Leadership assessment"),
    DepartmentItem.PARTY: _l("Party building"),
    DepartmentItem.SECURITY: _l("Public security governance"),
    DepartmentItem.ENERGY: _l("Public-institution energy saving"),
    DepartmentItem.BUDGET: _l("Budget performance"),
}


class ItemOwner(Base):
    """The department account that enters an item; the office assigns it."""

    __tablename__ = "department_item_owners"

    item: Mapped[DepartmentItem] = mapped_column(str_enum(DepartmentItem, 16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class DepartmentScore(Base):
    """A unit's score on an item of a year, or its not taking part (`actual` is then None)."""

    __tablename__ = "department_scores"
    __table_args__ = (UniqueConstraint("year", "item", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    item: Mapped[DepartmentItem] = mapped_column(str_enum(DepartmentItem, 16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    actual: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
