"""What produced a unit's score, for "explain my score" (issue 13 §4): each approved P deduction
and bonus with its reason and who confirmed and approved it and when, what each rule's cap and
the 0–100 bounds of SPEC §8 cut, and the public rating counts (valid and invalid)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.evaluations.ratings.queries import unit_summaries
from app.org.models import Unit
from app.progress.models import ProcessRule, Proposal, ProposalStatus
from app.scoring.inputs import UnitInputs

ZERO = Decimal(0)
FULL = Decimal(100)


@dataclass(frozen=True)
class Adjustment:
    """One approved deduction (negative points) or bonus, as the office recorded it."""

    rule: str
    points: Decimal
    facts: str  # what the proposal came from: the period, the task
    reason: str  # the office's reason on confirming it
    review_reason: str  # the director's comment, if any
    confirmed_by: str
    confirmed_at: datetime | None
    approved_by: str
    approved_at: datetime | None


@dataclass(frozen=True)
class RuleTotal:
    """One rule's approved points for the unit and what its cap let count."""

    rule: str
    recorded: Decimal
    cap: Decimal | None
    counted: Decimal

    @property
    def cut(self) -> Decimal:
        """Points the cap left out (0 when the cap did not apply)."""
        return abs(self.recorded - self.counted)


@dataclass(frozen=True)
class ProcessSources:
    """Everything behind P: the adjustments, the caps per rule and the 0–100 bounds."""

    adjustments: list[Adjustment]
    rules: list[RuleTotal]
    bounds_cut: Decimal  # what keeping 100 − deductions + bonuses within 0–100 cut
    matches_inputs: bool  # the approved adjustments give this version's deductions and bonuses

    @property
    def capped(self) -> list[RuleTotal]:
        """The rules whose cap cut something."""
        return [rule for rule in self.rules if rule.cut > 0]


@dataclass(frozen=True)
class RatingCounts:
    """The unit's public daily ratings as recorded now: valid, invalid and still pending."""

    valid: int
    invalid: int
    pending: int


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def _facts(source: dict[str, object]) -> str:
    parts = [
        str(source[key])
        for key in ("period", "data_period", "task", "reason")
        if source.get(key) not in (None, "")
    ]
    return " · ".join(parts)


def _bounds_cut(unit: UnitInputs) -> Decimal:
    raw = FULL - unit.deductions + unit.bonuses
    return raw - FULL if raw > FULL else (-raw if raw < ZERO else ZERO)


def process_sources(session: Session, year: int, unit: UnitInputs) -> ProcessSources:
    """The approved adjustments of `unit` in `year` with their caps, beside the numbers the
    version was computed from (`unit`: the version's inputs of the unit)."""
    rules = {
        rule.code: rule
        for rule in session.execute(select(ProcessRule).where(ProcessRule.year == year)).scalars()
    }
    found = (
        session.execute(
            select(Proposal)
            .join(Unit, Unit.id == Proposal.unit_id)
            .where(
                Proposal.year == year,
                Unit.code == unit.code,
                Proposal.status == ProposalStatus.APPROVED,
            )
            .order_by(Proposal.id)
        )
        .scalars()
        .all()
    )
    names = _names(
        session,
        {p.decided_by_id for p in found if p.decided_by_id is not None}
        | {p.reviewed_by_id for p in found if p.reviewed_by_id is not None},
    )

    def rule_name(code: str) -> str:
        return rules[code].name if code in rules else code

    adjustments = [
        Adjustment(
            rule=rule_name(p.rule_code),
            points=Decimal(p.points),
            facts=_facts(p.source or {}),
            reason=p.reason,
            review_reason=p.review_reason,
            confirmed_by=names.get(p.decided_by_id or 0, ""),
            confirmed_at=p.decided_at,
            approved_by=names.get(p.reviewed_by_id or 0, ""),
            approved_at=p.reviewed_at,
        )
        for p in found
    ]
    by_rule: dict[str, Decimal] = defaultdict(Decimal)
    for p in found:
        by_rule[p.rule_code] += Decimal(p.points)
    totals = []
    for code, recorded in by_rule.items():
        cap = rules[code].cap if code in rules else None
        counted = recorded if cap is None else max(-cap, min(cap, recorded))
        totals.append(RuleTotal(rule_name(code), recorded, cap, counted))
    deductions = -sum((t.counted for t in totals if t.counted < 0), ZERO)
    bonuses = sum((t.counted for t in totals if t.counted > 0), ZERO)
    return ProcessSources(
        adjustments=adjustments,
        rules=totals,
        bounds_cut=_bounds_cut(unit),
        matches_inputs=(deductions, bonuses) == (unit.deductions, unit.bonuses),
    )


def rating_counts(session: Session, year: int, unit_code: str) -> RatingCounts | None:
    """The unit's daily rating counts of the year; None when it is not assessed that year."""
    found = unit_summaries(session, year, unit_code)
    if not found:
        return None
    summary = found[0]
    return RatingCounts(valid=summary.valid, invalid=summary.invalid, pending=summary.pending)
