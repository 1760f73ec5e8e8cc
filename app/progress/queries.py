"""What the pages show of daily management: latest progress, late reports, proposals and P."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.org.models import Unit, UnitMembership
from app.progress.models import (
    ProcessRule,
    ProgressEntry,
    ProgressReport,
    Proposal,
    ProposalStatus,
    ReportStatus,
)
from app.progress.proposals import p_scores, year_rules

REPORTED = (ReportStatus.SUBMITTED, ReportStatus.CHECKED)


def latest_percent(session: Session, indicator_ids: Sequence[int]) -> dict[int, int]:
    """Each indicator's percent complete in its latest submitted or checked report."""
    if not indicator_ids:
        return {}
    rows = session.execute(
        select(ProgressEntry.indicator_id, ProgressEntry.percent, ProgressReport.period)
        .join(ProgressReport, ProgressReport.id == ProgressEntry.report_id)
        .where(
            ProgressEntry.indicator_id.in_(list(indicator_ids)),
            ProgressReport.status.in_(REPORTED),
        )
        .order_by(ProgressReport.period)
    ).all()
    return {indicator_id: percent for indicator_id, percent, _period in rows}


def _counts(rows: Sequence[Any]) -> dict[int, int]:
    return {int(key): int(count) for key, count in rows}


@dataclass(frozen=True)
class ReportLateness:
    """A unit's reports that are overdue now (still open after their due time) or missing."""

    overdue: int
    missing: int


def report_lateness(session: Session, year: int, now: datetime) -> dict[int, ReportLateness]:
    """Per unit of the year, its overdue and missing reports (units with none are left out)."""
    overdue = _counts(
        session.execute(
            select(ProgressReport.unit_id, func.count())
            .where(
                ProgressReport.year == year,
                ProgressReport.status == ReportStatus.OPEN,
                ProgressReport.due_at < now,
            )
            .group_by(ProgressReport.unit_id)
        ).all()
    )
    missing = _counts(
        session.execute(
            select(ProgressReport.unit_id, func.count())
            .where(ProgressReport.year == year, ProgressReport.status == ReportStatus.MISSING)
            .group_by(ProgressReport.unit_id)
        ).all()
    )
    return {
        unit_id: ReportLateness(overdue.get(unit_id, 0), missing.get(unit_id, 0))
        for unit_id in set(overdue) | set(missing)
    }


def unit_reports(session: Session, year: int, unit_id: int) -> Sequence[ProgressReport]:
    """A unit's reports of the year, newest first."""
    return (
        session.execute(
            select(ProgressReport)
            .where(ProgressReport.year == year, ProgressReport.unit_id == unit_id)
            .order_by(ProgressReport.period.desc())
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class ProposalBoard:
    """The office's view of P for a year: proposals, each unit's P, and the rules."""

    proposals: Sequence[Proposal]
    units: dict[int, Unit]
    scores: list[tuple[UnitMembership, Decimal, int]]
    rules: list[ProcessRule]


def proposal_board(
    session: Session,
    actor: Actor,
    year: int,
    status: ProposalStatus | None,
    unit_code: str | None = None,
) -> ProposalBoard:
    """Proposals of the year (all, or with `status`), P per unit and the year's rules; with
    `unit_code`, the proposals and P of that unit only."""
    require(actor, Permission.RUN_CYCLE)
    query = select(Proposal).where(Proposal.year == year).order_by(Proposal.created_at.desc())
    if status is not None:
        query = query.where(Proposal.status == status)
    if unit_code is not None:
        query = query.join(Unit, Unit.id == Proposal.unit_id).where(Unit.code == unit_code)
    found = session.execute(query.limit(500)).scalars().all()
    members = (
        session.execute(
            select(UnitMembership)
            .where(
                UnitMembership.year == year,
                true() if unit_code is None else Unit.code == unit_code,
            )
            .options(joinedload(UnitMembership.unit))
            .join(UnitMembership.unit)
            .order_by(UnitMembership.category, Unit.code)
        )
        .scalars()
        .all()
    )
    scores = p_scores(session, year, [m.unit_id for m in members])
    pending = _counts(
        session.execute(
            select(Proposal.unit_id, func.count())
            .where(Proposal.year == year, Proposal.status == ProposalStatus.PROPOSED)
            .group_by(Proposal.unit_id)
        ).all()
    )
    rules = sorted(year_rules(session, year).values(), key=lambda r: r.code)
    return ProposalBoard(
        proposals=found,
        units={m.unit_id: m.unit for m in members},
        # Units with deductions or proposals waiting come first.
        scores=sorted(
            ((m, scores[m.unit_id], pending.get(m.unit_id, 0)) for m in members),
            key=lambda line: (line[1], -line[2]),
        ),
        rules=rules,
    )
