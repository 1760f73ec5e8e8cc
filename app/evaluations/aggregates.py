"""The year's Leader, L and Dept inputs per unit (SPEC §8), from submitted sheets and entered
departmental items only. L pools the leading-group members' and the lead units' ratings: SPEC §6
has both rate each unit's indicator completion and L take the mean, so every rating counts once,
whoever gave it (a unit no lead unit rates has the members' ratings only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.evaluations.models import (
    DepartmentItem,
    DepartmentScore,
    RatingMark,
    RatingSheet,
    SheetKind,
    SheetStatus,
)
from app.org.models import Unit, UnitMembership
from app.org.services import memberships

TWENTY, FIFTY, HUNDRED = Decimal(20), Decimal(50), Decimal(100)


L_KINDS = (SheetKind.LEADING_GROUP, SheetKind.LEAD_UNIT)


def _submitted_marks(
    session: Session, year: int, *kinds: SheetKind
) -> list[tuple[str, RatingMark]]:
    rows = session.execute(
        select(Unit.code, RatingMark)
        .join(RatingSheet, RatingMark.sheet_id == RatingSheet.id)
        .join(Unit, Unit.id == RatingMark.unit_id)
        .where(
            RatingSheet.year == year,
            RatingSheet.kind.in_(kinds),
            RatingSheet.status == SheetStatus.SUBMITTED,
        )
        .order_by(RatingSheet.id)
    ).all()
    return [(code, mark) for code, mark in rows]


def _scores(session: Session, year: int, *kinds: SheetKind) -> dict[str, list[Decimal]]:
    scores: dict[str, list[Decimal]] = defaultdict(list)
    for code, mark in _submitted_marks(session, year, *kinds):
        if mark.score is not None and not mark.abstained:
            scores[code].append(Decimal(mark.score))
    return dict(scores)


def leader_scores(session: Session, year: int) -> dict[str, list[Decimal]]:
    """Each unit's scores from the provincial leaders' submitted sheets, abstentions left out."""
    return _scores(session, year, SheetKind.LEADER)


def leading_group_scores(session: Session, year: int) -> dict[str, list[Decimal]]:
    """Each unit's L ratings: the scores on the leading-group members' and the lead units'
    submitted sheets, abstentions left out."""
    return _scores(session, year, *L_KINDS)


def departmental(session: Session, year: int) -> dict[str, dict[str, tuple[Decimal, Decimal]]]:
    """(actual, full) of each item a unit takes part in; items not taken are left out."""
    rows = session.execute(
        select(Unit.code, DepartmentScore.item, DepartmentScore.actual)
        .join(Unit, Unit.id == DepartmentScore.unit_id)
        .where(DepartmentScore.year == year, DepartmentScore.actual.is_not(None))
    ).all()
    items: dict[str, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for code, item, actual in rows:
        items[code][DepartmentItem(item).value] = (Decimal(actual), DepartmentItem(item).full_marks)
    return dict(items)


def _abstentions(session: Session, year: int, *kinds: SheetKind) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for code, mark in _submitted_marks(session, year, *kinds):
        if mark.abstained:
            counts[code] += 1
    return counts


def _mean_part(scores: list[Decimal]) -> Decimal | None:
    """20 × mean / 100, or None without a score."""
    return TWENTY * sum(scores, Decimal(0)) / len(scores) / HUNDRED if scores else None


@dataclass(frozen=True)
class UnitEvaluation:
    """One unit's Leader, L and Dept with the counts behind them (None: no input yet)."""

    membership: UnitMembership
    leader: Decimal | None
    leader_ratings: int
    leader_abstentions: int
    group: Decimal | None
    group_ratings: int  # every L rating: leading-group members' and lead units'
    group_abstentions: int
    lead_unit_ratings: int  # of which from the lead units
    lead_unit_abstentions: int
    dept: Decimal | None
    dept_items: int
    dept_items_skipped: int


def year_evaluations(
    session: Session, year: int, unit_code: str | None = None
) -> list[UnitEvaluation]:
    """Every unit of the year (or only `unit_code`) with its evaluation parts, by category then
    code."""
    leaders, group = leader_scores(session, year), leading_group_scores(session, year)
    leader_skips = _abstentions(session, year, SheetKind.LEADER)
    group_skips = _abstentions(session, year, *L_KINDS)
    lead_units = _scores(session, year, SheetKind.LEAD_UNIT)
    lead_skips = _abstentions(session, year, SheetKind.LEAD_UNIT)
    items = departmental(session, year)
    skipped: dict[str, int] = defaultdict(int)
    for (code,) in session.execute(
        select(Unit.code)
        .join(DepartmentScore, DepartmentScore.unit_id == Unit.id)
        .where(DepartmentScore.year == year, DepartmentScore.actual.is_(None))
    ):
        skipped[code] += 1
    result = []
    for membership in memberships(session, year):
        code = membership.unit.code
        if unit_code is not None and code != unit_code:
            continue
        taken = items.get(code, {})
        full = sum((f for _a, f in taken.values()), Decimal(0))
        actual = sum((a for a, _f in taken.values()), Decimal(0))
        result.append(
            UnitEvaluation(
                membership=membership,
                leader=_mean_part(leaders.get(code, [])),
                leader_ratings=len(leaders.get(code, [])),
                leader_abstentions=leader_skips.get(code, 0),
                group=_mean_part(group.get(code, [])),
                group_ratings=len(group.get(code, [])),
                group_abstentions=group_skips.get(code, 0),
                lead_unit_ratings=len(lead_units.get(code, [])),
                lead_unit_abstentions=lead_skips.get(code, 0),
                dept=FIFTY * actual / full if full else None,
                dept_items=len(taken),
                dept_items_skipped=skipped.get(code, 0),
            )
        )
    return result
