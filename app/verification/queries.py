"""What the year's verification shows: where each unit stands, and the verified completions
that scoring reads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.evidence.services import evidence_names
from app.indicators.models import Indicator, IndicatorStatus
from app.org.models import Unit
from app.verification.models import Verification, VerificationEntry, VerificationStatus
from app.verification.procedure import ACTIVE
from app.workflow.models import ProcessInstance

PROCESS_KEY = "year_end_verification"
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class VerifiedIndicator:
    """An indicator as the score reads it: weight, verified completion c (None while the unit's
    verification is not done) and whether it was cancelled; its id names the record behind it."""

    indicator_id: int
    weight: Decimal
    completion: Decimal | None
    cancelled: bool


def verified_indicators(session: Session, year: int) -> dict[str, list[VerifiedIndicator]]:
    """Per unit code, its approved and cancelled indicators of the year with their verified
    completion; a completion counts only once the field checks are done (they may overturn
    a claim)."""
    verified = {
        indicator_id: c
        for indicator_id, c in session.execute(
            select(VerificationEntry.indicator_id, VerificationEntry.verified_completion)
            .join(Verification, Verification.id == VerificationEntry.verification_id)
            .where(Verification.year == year, Verification.status == VerificationStatus.DONE)
        ).all()
    }
    found: dict[str, list[VerifiedIndicator]] = defaultdict(list)
    for indicator, code in session.execute(
        select(Indicator, Unit.code)
        .join(Unit, Unit.id == Indicator.unit_id)
        .where(
            Indicator.year == year,
            Indicator.status.in_([IndicatorStatus.APPROVED, IndicatorStatus.CANCELLED]),
        )
        .order_by(Unit.code, Indicator.id)
    ).all():
        cancelled = indicator.status is IndicatorStatus.CANCELLED
        if not cancelled and indicator.current.published_at is None:
            continue
        found[code].append(
            VerifiedIndicator(
                indicator.id, indicator.current.weight, verified.get(indicator.id), cancelled
            )
        )
    return dict(found)


@dataclass
class BoardRow:
    """A unit on the office's verification page."""

    unit: Unit
    status: str
    instance_id: int | None
    open: bool
    indicators: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (file id, shown name)


def units_with_approved(session: Session, year: int) -> list[Unit]:
    return list(
        session.execute(
            select(Unit)
            .join(Indicator, Indicator.unit_id == Unit.id)
            .where(Indicator.year == year, Indicator.status == IndicatorStatus.APPROVED)
            .distinct()
            .order_by(Unit.code)
        ).scalars()
    )


def open_units(session: Session, year: int) -> set[int]:
    """Units with a verification procedure of the year still open."""
    return {
        unit_id
        for unit_id in session.execute(
            select(ProcessInstance.unit_id).where(
                ProcessInstance.process_key == PROCESS_KEY,
                ProcessInstance.year == year,
                ProcessInstance.status.in_(ACTIVE),
            )
        ).scalars()
        if unit_id is not None
    }


def verification_board(session: Session, year: int, unit_code: str | None = None) -> list[BoardRow]:
    """Each unit with approved indicators (or only `unit_code`): where its verification stands,
    per indicator the claimed completion (%) and the verified completion c, and the evidence
    files of its self-evaluation."""
    found = {
        v.unit_id: v
        for v in session.execute(select(Verification).where(Verification.year == year)).scalars()
    }
    still_open = open_units(session, year)
    rows = []
    for unit in units_with_approved(session, year):
        if unit_code is not None and unit.code != unit_code:
            continue
        verification = found.get(unit.id)
        row = BoardRow(
            unit=unit,
            status=verification.status.value if verification else NOT_STARTED,
            instance_id=verification.instance_id if verification else None,
            open=unit.id in still_open,
        )
        entries = {e.indicator_id: e for e in (verification.entries if verification else [])}
        for indicator in session.execute(
            select(Indicator)
            .where(
                Indicator.unit_id == unit.id,
                Indicator.year == year,
                Indicator.status == IndicatorStatus.APPROVED,
            )
            .order_by(Indicator.id)
        ).scalars():
            entry = entries.get(indicator.id)
            claimed = entry.claimed_percent if entry else None
            verified = entry.verified_completion if entry else None
            row.indicators.append((indicator.current.title, claimed, verified))
        if verification is not None:
            names = evidence_names(session, verification.evidence_ids)
            found_ids = [str(i) for i in verification.evidence_ids]
            row.evidence = [(i, names[i]) for i in found_ids if i in names]
        rows.append(row)
    return rows
