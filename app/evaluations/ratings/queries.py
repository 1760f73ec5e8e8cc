"""What the office and the score read: counts per level, D per unit, the moderation queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.evaluations.ratings.models import DailyRating, Level, Moderation
from app.evaluations.ratings.rules import RatingRules
from app.org.models import Unit
from app.org.services import memberships

MIN_VALID_FOR_D = RatingRules().min_valid_for_d
LEVEL_SCORES = {level: Decimal(25 * (int(level) - 1)) for level in Level}


def daily_counts(
    session: Session, year: int, unit_code: str | None = None
) -> dict[str, dict[str, int]]:
    """Valid (not invalidated) ratings of `year` per unit code and level name (CONTRACT `daily`),
    of every unit or only `unit_code`'s."""
    query = (
        select(Unit.code, DailyRating.level, func.count())
        .join(Unit, Unit.id == DailyRating.unit_id)
        .where(DailyRating.year == year, DailyRating.moderation != Moderation.INVALID)
        .group_by(Unit.code, DailyRating.level)
    )
    if unit_code is not None:
        query = query.where(Unit.code == unit_code)
    rows = session.execute(query).all()
    counts: dict[str, dict[str, int]] = {}
    for code, level, count in rows:
        per_level = counts.setdefault(code, {lv.name_zh: 0 for lv in Level})
        per_level[Level(level).name_zh] = int(count)
    return counts


def d_score(
    per_level: dict[str, int], minimum: int = RatingRules().min_valid_for_d
) -> Decimal | None:
    """D: the mean level score (100/75/50/25/0) of the valid ratings; None with fewer than
    `minimum` of them."""
    total = sum(per_level.values())
    if total < minimum or total == 0:
        return None
    points = sum(LEVEL_SCORES[lv] * per_level.get(lv.name_zh, 0) for lv in Level)
    return points / Decimal(total)


@dataclass
class UnitRatings:
    """One unit's line on the office's summary."""

    code: str
    name: str
    token: str
    per_level: dict[str, int] = field(default_factory=dict)
    invalid: int = 0
    flagged: int = 0
    pending: int = 0

    @property
    def valid(self) -> int:
        """Ratings that count."""
        return sum(self.per_level.values())

    @property
    def d(self) -> Decimal | None:
        """D, or None below the minimum number of valid ratings."""
        return d_score(self.per_level)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def unit_summaries(session: Session, year: int, unit_code: str | None = None) -> list[UnitRatings]:
    """Every unit of the year (or only `unit_code`) with its counts per level, invalid, flagged
    and pending ones. With `unit_code` only that unit's ratings are read (the explain page)."""
    counts = daily_counts(session, year, unit_code)
    others_query = (
        select(
            DailyRating.unit_id,
            _count_where(DailyRating.moderation == Moderation.INVALID),
            _count_where(DailyRating.flagged.is_(True)),
            _count_where(DailyRating.moderation == Moderation.PENDING),
        )
        .where(DailyRating.year == year)
        .group_by(DailyRating.unit_id)
    )
    if unit_code is not None:
        others_query = others_query.join(Unit, Unit.id == DailyRating.unit_id).where(
            Unit.code == unit_code
        )
    others = session.execute(others_query).all()
    by_unit = {unit_id: (int(i or 0), int(f or 0), int(p or 0)) for unit_id, i, f, p in others}
    summaries = []
    for membership in memberships(session, year):
        unit = membership.unit
        if unit_code is not None and unit.code != unit_code:
            continue
        invalid, flagged, pending = by_unit.get(unit.id, (0, 0, 0))
        summaries.append(
            UnitRatings(
                code=unit.code,
                name=unit.name_zh,
                token=unit.rating_token,
                per_level=counts.get(unit.code, {lv.name_zh: 0 for lv in Level}),
                invalid=invalid,
                flagged=flagged,
                pending=pending,
            )
        )
    return summaries


def moderation_queue(
    session: Session, *, year: int, show: str = "pending", limit: int = 100
) -> Sequence[tuple[DailyRating, Unit]]:
    """Ratings to moderate (pending: with a comment or flagged), or `invalid`, or `all`."""
    query = (
        select(DailyRating, Unit)
        .join(Unit, Unit.id == DailyRating.unit_id)
        .where(DailyRating.year == year)
        .order_by(DailyRating.flagged.desc(), DailyRating.rated_at.desc())
        .limit(limit)
    )
    if show == "pending":
        query = query.where(DailyRating.moderation == Moderation.PENDING)
    elif show == "invalid":
        query = query.where(DailyRating.moderation == Moderation.INVALID)
    elif show == "flagged":
        query = query.where(DailyRating.flagged.is_(True))
    return [(rating, unit) for rating, unit in session.execute(query).tuples()]
