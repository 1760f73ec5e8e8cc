"""Daily public ratings and the service-desk devices that may post them."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto.columns import EncryptedText
from app.db import Base, str_enum, utcnow


class Level(IntEnum):
    """The five levels of the national good/bad-review practice, posted as 5 … 1."""

    VERY_SATISFIED = 5
    SATISFIED = 4
    FAIRLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def name_zh(self) -> str:
        """The level's name, as CONTRACT's `daily` keys spell it."""
        return LEVEL_NAMES[self]

    @property
    def is_bad(self) -> bool:
        """不满意 or 非常不满意: with a comment, the unit must rectify."""
        return self <= Level.DISSATISFIED


LEVEL_NAMES = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.FAIRLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}


class Moderation(StrEnum):
    """Where a rating stands with the office; only `invalid` stops it counting."""

    PENDING = "pending"
    VALID = "valid"
    INVALID = "invalid"


class Channel(StrEnum):
    """How the rating came in."""

    QR = "qr"
    DESK = "desk"


class RatingDevice(Base):
    """A service-desk rating device; its key is shown once when issued and kept only hashed."""

    __tablename__ = "rating_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class DailyRating(Base):
    """One rating of a unit by the public. Never deleted: moderation marks it invalid."""

    __tablename__ = "daily_ratings"
    __table_args__ = (
        # One rating per device per unit per (Asia/Shanghai) day, also under concurrent posts.
        UniqueConstraint("unit_id", "device_hash", "rated_on"),
        Index("ix_daily_ratings_year_unit", "year", "unit_id"),
        Index("ix_daily_ratings_unit_client", "unit_id", "client_hash", "rated_at"),
        Index("ix_daily_ratings_queue", "moderation", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    level: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    # Encrypted at rest (S19); at most 100 characters (rules.contact_max) before encryption.
    contact: Mapped[str] = mapped_column(EncryptedText("daily_ratings.contact"), default="")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 8), default=Channel.QR)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("rating_devices.id"))
    # Keyed hashes (HMAC with the secret key): the device and the client address are never kept.
    device_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rated_on: Mapped[date]
    flagged: Mapped[bool] = mapped_column(default=False)
    flag_reason: Mapped[str] = mapped_column(String(200), default="")
    moderation: Mapped[Moderation] = mapped_column(
        str_enum(Moderation, 16), default=Moderation.VALID
    )
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None]
    rectification_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id")
    )
    returned_to_rater_at: Mapped[datetime | None]
