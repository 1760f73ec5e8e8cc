"""The process-management score P (SPEC §5, §8): the system proposes deductions from facts it
sees (a late or missing report, an overdue task), each with its rule and source; the office
confirms or rejects each with a reason; P is computed from the confirmed ones.

The rules are the year's scheme: points per occurrence (negative for a deduction) and an optional
cap on what one rule can take in a year. The defaults below are created with the year's first
proposal and the office edits them per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict, InvalidInput, NotFound
from app.progress.models import ProcessRule, Proposal, ProposalStatus

FULL = Decimal(100)
BONUS = "bonus"
# An upheld appeal's corrections of the confirmed deductions or bonuses: uncapped, and each
# counted on its own side (a correction that lowers the deductions is not a bonus).
DEDUCTIONS_CORRECTION = "deductions_correction"
BONUSES_CORRECTION = "bonuses_correction"
CORRECTION_SIDES = {DEDUCTIONS_CORRECTION: "deductions", BONUSES_CORRECTION: "bonuses"}
CORRECTION_NAMES = {
    DEDUCTIONS_CORRECTION: _l("Deductions corrected on appeal"),
    BONUSES_CORRECTION: _l("Bonuses corrected on appeal"),
}


@dataclass(frozen=True)
class DefaultRule:
    """A rule every year starts with."""

    code: str
    name: Any
    points: Decimal
    cap: Decimal | None


DEFAULT_RULES = (
    DefaultRule("late_report", _l("Progress report late"), Decimal("-0.5"), Decimal(5)),
    DefaultRule("missing_report", _l("Progress report missing"), Decimal(-1), Decimal(10)),
    DefaultRule("overdue_task", _l("Task overdue"), Decimal("-0.2"), Decimal(5)),
    DefaultRule(
        "untrue_evidence", _l("Evidence found untrue at verification"), Decimal(-1), Decimal(5)
    ),
    DefaultRule(BONUS, _l("Bonus proposed by the office"), Decimal(1), Decimal(10)),
)


def year_rules(session: Session, year: int) -> dict[str, ProcessRule]:
    """The year's rules by code, created from the defaults the first time they are needed."""
    rules = {
        r.code: r
        for r in session.execute(select(ProcessRule).where(ProcessRule.year == year)).scalars()
    }
    for default in DEFAULT_RULES:
        if default.code not in rules:
            rule = ProcessRule(
                year=year,
                code=default.code,
                name=str(default.name),
                points=default.points,
                cap=default.cap,
            )
            session.add(rule)
            rules[default.code] = rule
    session.flush()
    return rules


def update_rule(
    session: Session,
    *,
    actor: Actor,
    year: int,
    code: str,
    points: Decimal,
    cap: Decimal | None,
    now: datetime,
) -> ProcessRule:
    """Change a rule of the year's scheme; later proposals use the new points."""
    require(actor, Permission.RUN_CYCLE)
    rule = year_rules(session, year).get(code)
    if rule is None:
        raise NotFound(_("No such rule."))
    problems = []
    if not points.is_finite() or abs(points) > FULL:
        problems.append({"path": "points", "message": _("Points must lie between -100 and 100.")})
    if cap is not None and (not cap.is_finite() or cap <= 0 or cap > FULL):
        problems.append({"path": "cap", "message": _("A cap must lie between 0 and 100.")})
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), details=problems)
    before = {"points": str(rule.points), "cap": None if rule.cap is None else str(rule.cap)}
    rule.points, rule.cap = points, cap
    record(
        session,
        actor=actor,
        action="p_rule.update",
        object_type="p_rule",
        object_id=f"{year}:{code}",
        before=before,
        after={"points": str(points), "cap": None if cap is None else str(cap)},
        now=now,
    )
    return rule


def task_source(task_id: str) -> str:
    """The source key of a fact about one task (it went overdue)."""
    return f"task:{task_id}"


def instance_source(instance_id: int) -> str:
    """The source key of a fact about a whole procedure instance (its report was late): a rule
    proposed for it once per instance, however many of its tasks go overdue."""
    return f"instance:{instance_id}"


def propose(
    session: Session,
    *,
    actor: Actor,
    year: int,
    unit_id: int,
    rule_code: str,
    source_key: str,
    source: dict[str, Any],
    now: datetime,
) -> Proposal | None:
    """Propose the rule's points for the unit, once per fact (`source_key`); None if the fact
    was proposed already or the rule is unknown."""
    rule = year_rules(session, year).get(rule_code)
    if rule is None:
        return None
    exists = session.execute(
        select(Proposal.id).where(
            Proposal.rule_code == rule_code, Proposal.source_key == source_key
        )
    ).first()
    if exists:
        return None
    proposal = Proposal(
        year=year,
        unit_id=unit_id,
        rule_code=rule_code,
        points=rule.points,
        source_key=source_key,
        source=source,
        status=ProposalStatus.PROPOSED,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        actor=actor,
        action="p_proposal.create",
        object_type="p_proposal",
        object_id=proposal.id,
        after={"unit_id": unit_id, "rule": rule_code, "points": str(rule.points), **source},
        now=now,
    )
    return proposal


def record_correction(
    session: Session,
    *,
    actor: Actor,
    year: int,
    unit_id: int,
    side: str,
    old: Decimal,
    new: Decimal,
    source_key: str,
    source: dict[str, Any],
    reason: str,
    now: datetime,
) -> Proposal:
    """Correct the unit's confirmed deductions or bonuses (`side`) from `old` to `new` by an
    approved correction proposal carrying the deciding source (an upheld appeal), audited."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    rule_code = next((code for code, named in CORRECTION_SIDES.items() if named == side), None)
    if rule_code is None:
        raise InvalidInput(_("Only the deductions or the bonuses can be corrected."))
    if not new.is_finite() or not 0 <= new <= FULL or new != new.quantize(Decimal("0.01")):
        message = _("A corrected total must lie between 0 and 100, with two decimals at most.")
        raise InvalidInput(message, details=[{"path": side, "message": message}])
    points = old - new if side == "deductions" else new - old
    proposal = Proposal(
        year=year,
        unit_id=unit_id,
        rule_code=rule_code,
        points=points,
        source_key=source_key,
        source=source,
        status=ProposalStatus.APPROVED,  # decided with the appeal: no further review
        reason=reason,
        decided_by_id=actor.user_id,
        decided_at=now,
        review_reason=reason,
        reviewed_by_id=actor.user_id,
        reviewed_at=now,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        actor=actor,
        action="p_proposal.correct",
        object_type="p_proposal",
        object_id=proposal.id,
        before={"unit_id": unit_id, side: str(old)},
        after={"unit_id": unit_id, side: str(new), "points": str(points), "reason": reason},
        now=now,
    )
    return proposal


def withdraw(
    session: Session, *, actor: Actor, rule_code: str, source_key: str, reason: str, now: datetime
) -> None:
    """Reject an open proposal that a later fact supersedes (a late report that never came)."""
    proposal = session.execute(
        select(Proposal).where(Proposal.rule_code == rule_code, Proposal.source_key == source_key)
    ).scalar_one_or_none()
    if proposal is not None and proposal.status is ProposalStatus.PROPOSED:
        _decide(session, actor, proposal, status=ProposalStatus.REJECTED, reason=reason, now=now)


def _decide(
    session: Session,
    actor: Actor,
    proposal: Proposal,
    *,
    status: ProposalStatus,
    reason: str,
    now: datetime,
) -> None:
    before = {"status": proposal.status.value}
    proposal.status, proposal.reason = status, reason
    proposal.decided_by_id, proposal.decided_at = actor.user_id, now
    record(
        session,
        actor=actor,
        action="p_proposal.decide",
        object_type="p_proposal",
        object_id=proposal.id,
        before=before,
        after={"status": status.value, "reason": reason, "points": str(proposal.points)},
        now=now,
    )


def decide(
    session: Session,
    *,
    actor: Actor,
    proposal_id: int,
    confirm: bool,
    reason: str,
    now: datetime,
) -> Proposal:
    """The office confirms or rejects a proposal (again, if the director returned it), with its
    reason; a confirmed one goes to the office director."""
    require(actor, Permission.RUN_CYCLE)
    proposal = session.execute(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).scalar_one_or_none()
    if proposal is None:
        raise NotFound(_("No such proposal."))
    reason = reason.strip()
    if not reason:
        message = _("Give the reason for the decision.")
        raise InvalidInput(message, details=[{"path": "reason", "message": message}])
    if proposal.status not in (ProposalStatus.PROPOSED, ProposalStatus.RETURNED):
        raise Conflict(_("This proposal has already been decided."))
    status = ProposalStatus.CONFIRMED if confirm else ProposalStatus.REJECTED
    _decide(session, actor, proposal, status=status, reason=reason[:2000], now=now)
    return proposal


def p_score(rules: dict[str, ProcessRule], confirmed: Sequence[Proposal]) -> Decimal:
    """P = clamp(100 + Σ per rule of its approved points, each rule within its cap, 0, 100)."""
    by_rule: dict[str, Decimal] = {}
    for proposal in confirmed:
        by_rule[proposal.rule_code] = by_rule.get(proposal.rule_code, Decimal(0)) + proposal.points
    total = FULL
    for code, points in by_rule.items():
        cap = rules[code].cap if code in rules else None
        total += points if cap is None else max(-cap, min(cap, points))
    return max(Decimal(0), min(FULL, total))


def p_scores(session: Session, year: int, unit_ids: Sequence[int]) -> dict[int, Decimal]:
    """P of each unit in the year, from its proposals the director approved."""
    rules = year_rules(session, year)
    confirmed: dict[int, list[Proposal]] = {unit_id: [] for unit_id in unit_ids}
    for proposal in session.execute(
        select(Proposal).where(
            Proposal.year == year,
            Proposal.status == ProposalStatus.APPROVED,
            Proposal.unit_id.in_(list(unit_ids)),
        )
    ).scalars():
        confirmed[proposal.unit_id].append(proposal)
    return {unit_id: p_score(rules, found) for unit_id, found in confirmed.items()}
