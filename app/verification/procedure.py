"""Year-end self-evaluation (policy §18): the unit's steps of the `year_end_verification` diagram.

The unit claims, per approved indicator, its completion (%), a self-score within the indicator's
weight, an explanation and evidence; its head signs; the lead units of its key tasks give their
opinion. The office's verification and the field checks are in `app.verification.checks`.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import RoleGrant, User
from app.auth.roles import Role
from app.errors import Conflict, NotFound
from app.indicators.models import Indicator, IndicatorKind, IndicatorStatus, KeyTask
from app.org.models import Unit
from app.progress.queries import latest_percent
from app.verification.models import Verification, VerificationEntry, VerificationStatus
from app.workflow.models import InstanceStatus, ProcessInstance

ACTIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def approved_indicators(session: Session, unit_id: int, year: int) -> list[Indicator]:
    """The unit's approved (published, not cancelled) indicators of the year."""
    found = session.execute(
        select(Indicator)
        .where(
            Indicator.unit_id == unit_id,
            Indicator.year == year,
            Indicator.status == IndicatorStatus.APPROVED,
        )
        .order_by(Indicator.kind, Indicator.id)
    ).scalars()
    return [i for i in found if i.current.published_at is not None]


def find_verification(
    session: Session, unit_id: int, year: int, *, lock: bool = False
) -> Verification:
    """The unit's verification of the year; NotFound if none was opened."""
    query = select(Verification).where(Verification.unit_id == unit_id, Verification.year == year)
    found = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if found is None:
        raise NotFound(_("This unit's year-end verification has not been opened."))
    return found


def decimal_or_none(value: Any) -> Decimal | None:
    """A JSON number (or its text) as a Decimal read from its text; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _number(value: Decimal | None) -> float | None:
    """A Decimal as a form's number field holds it."""
    return None if value is None else float(value)


def claim_row(
    indicator: Indicator, entry: VerificationEntry | None, percent: int | None
) -> dict[str, Any]:
    """An indicator as a row of the self-evaluation table: what was claimed before, else the
    latest reported progress."""
    version = indicator.current
    row: dict[str, Any] = {
        "indicator_id": indicator.id,
        "title": version.title,
        "target": version.target,
        "weight": float(version.weight),
        "completion": _number(entry.claimed_percent) if entry else percent,
        "self_score": _number(entry.self_score) if entry else None,
        "explanation": entry.explanation if entry else "",
    }
    return {k: v for k, v in row.items() if v not in (None, "")}


def _open_elsewhere(session: Session, found: Verification, instance_id: int | None) -> bool:
    if found.instance_id is None or found.instance_id == instance_id:
        return False
    status = session.execute(
        select(ProcessInstance.status).where(ProcessInstance.id == found.instance_id)
    ).scalar_one_or_none()
    return status in ACTIVE


def open_verification(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int,
    instance_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """Open (or take over from an ended procedure) the unit's verification: `entries`, the rows
    to claim, and `state`: `open`; `no_indicators`, `exists` (another procedure works on it) or
    `done` (verified already), when the procedure ends at once."""
    indicators = approved_indicators(session, unit_id, year)
    if not indicators:
        return {"state": "no_indicators", "entries": []}
    found = session.execute(
        select(Verification)
        .where(Verification.unit_id == unit_id, Verification.year == year)
        .with_for_update()
    ).scalar_one_or_none()
    if found is not None and found.status is VerificationStatus.DONE:
        return {"state": "done", "entries": []}
    if found is not None and _open_elsewhere(session, found, instance_id):
        return {"state": "exists", "entries": []}
    before = None if found is None else {"instance_id": found.instance_id}
    if found is None:
        found = Verification(
            year=year,
            unit_id=unit_id,
            status=VerificationStatus.SELF_EVALUATING,
            salt=secrets.token_hex(16),
            created_at=now,
        )
        session.add(found)
    found.instance_id, found.status = instance_id, VerificationStatus.SELF_EVALUATING
    session.flush()
    record(
        session,
        actor=actor,
        action="verification.opened",
        object_type="verification",
        object_id=found.id,
        before=before,
        after={"unit_id": unit_id, "year": year, "instance_id": instance_id},
        now=now,
    )
    entries = {e.indicator_id: e for e in found.entries}
    reported = latest_percent(session, [i.id for i in indicators])
    rows = [claim_row(i, entries.get(i.id), reported.get(i.id)) for i in indicators]
    return {"state": "open", "entries": rows}


def indicator_of(row: Any, indicators: dict[int, Indicator]) -> Indicator | None:
    """The indicator a form row names by `indicator_id`, if it is one of `indicators`."""
    indicator_id = row.get("indicator_id") if isinstance(row, dict) else None
    return indicators.get(indicator_id) if isinstance(indicator_id, int) else None


def _claim_problems(
    rows: Any, indicators: dict[int, Indicator]
) -> tuple[list[str], dict[int, tuple[Decimal, Decimal, str]]]:
    """What is wrong with the claimed rows, and the good claims by indicator id."""
    problems: list[str] = []
    claims: dict[int, tuple[Decimal, Decimal, str]] = {}
    named: set[int] = set()
    for row in rows if isinstance(rows, list) else []:
        indicator = indicator_of(row, indicators)
        if indicator is None:
            problems.append(_("A row names an indicator that is not one of this unit's."))
            continue
        named.add(indicator.id)
        title, weight = indicator.current.title, indicator.current.weight
        percent = decimal_or_none(row.get("completion"))
        score = decimal_or_none(row.get("self_score"))
        if percent is None or not 0 <= percent <= 100:
            problems.append(_("%(title)s: completion must lie between 0 and 100 %%.", title=title))
        elif score is None or not 0 <= score <= weight:
            problems.append(
                _("%(title)s: the self-score must lie between 0 and %(w)s.", title=title, w=weight)
            )
        else:
            claims[indicator.id] = (percent, score, str(row.get("explanation") or "")[:4000])
    problems += [
        _("%(title)s: the self-evaluation is missing.", title=i.current.title)
        for i in indicators.values()
        if i.id not in named
    ]
    return problems, claims


def lead_units(
    session: Session, unit_id: int, indicators: list[Indicator]
) -> tuple[list[str], list[str]]:
    """Codes of the other units leading the key tasks among these indicators: those whose staff
    give their opinion, and those without an active staff account, which are skipped (a step
    nobody can work would hold the verification up for good)."""
    task_ids = [i.key_task_id for i in indicators if i.kind is IndicatorKind.KEY_TASK]
    if not task_ids:
        return [], []
    codes = session.execute(
        select(Unit.code)
        .join(KeyTask, KeyTask.lead_unit_id == Unit.id)
        .where(KeyTask.id.in_(task_ids), Unit.id != unit_id)
        .distinct()
        .order_by(Unit.code)
    ).scalars()
    staffed = set(
        session.execute(
            select(Unit.code)
            .join(RoleGrant, RoleGrant.unit_id == Unit.id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.UNIT_STAFF, User.is_active.is_(True))
        ).scalars()
    )
    found = list(codes)
    return [c for c in found if c in staffed], [c for c in found if c not in staffed]


def submit_self_evaluation(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int,
    rows: Any,
    evidence_ids: list[str],
    now: datetime,
) -> dict[str, Any]:
    """Record the unit's claims; `problems` lists what to fix first (nothing is written then)."""
    found = find_verification(session, unit_id, year, lock=True)
    if found.status is not VerificationStatus.SELF_EVALUATING:
        raise Conflict(_("The self-evaluation is not open."))
    indicators = {i.id: i for i in approved_indicators(session, unit_id, year)}
    problems, claims = _claim_problems(rows, indicators)
    if problems:
        return {"problems": problems}
    entries = {e.indicator_id: e for e in found.entries}
    before = {str(k): _claim_of(e) for k, e in entries.items()}
    for indicator_id, (percent, score, explanation) in claims.items():
        entry = entries.get(indicator_id) or VerificationEntry(indicator_id=indicator_id)
        entry.claimed_percent, entry.self_score, entry.explanation = percent, score, explanation
        if indicator_id not in entries:
            found.entries.append(entry)
    found.evidence_ids = evidence_ids
    found.submitted_at, found.submitted_by_id = now, actor.user_id
    record(
        session,
        actor=actor,
        action="verification.self_evaluated",
        object_type="verification",
        object_id=found.id,
        before=before or None,
        after={
            "claims": {str(k): [str(p), str(s), e] for k, (p, s, e) in claims.items()},
            "evidence": evidence_ids,
        },
        now=now,
    )
    return {"problems": []}


def _claim_of(entry: VerificationEntry) -> list[str | None]:
    return [
        None if entry.claimed_percent is None else str(entry.claimed_percent),
        None if entry.self_score is None else str(entry.self_score),
        entry.explanation,
    ]


def sign(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int,
    approve: bool,
    comment: str,
    now: datetime,
) -> dict[str, Any]:
    """The unit head signs the self-evaluation (it goes to verification, with the lead units
    that give their opinion) or sends it back to the staff."""
    found = find_verification(session, unit_id, year, lock=True)
    if found.status is not VerificationStatus.SELF_EVALUATING or found.submitted_at is None:
        raise Conflict(_("There is no submitted self-evaluation to sign."))
    leads: list[str] = []
    unstaffed: list[str] = []
    if approve:
        found.status = VerificationStatus.VERIFYING
        found.signed_at, found.signed_by_id = now, actor.user_id
        indicators = approved_indicators(session, unit_id, year)
        leads, unstaffed = lead_units(session, unit_id, indicators)
    record(
        session,
        actor=actor,
        action="verification.signed" if approve else "verification.head_returned",
        object_type="verification",
        object_id=found.id,
        before={"status": VerificationStatus.SELF_EVALUATING.value},
        after={
            "status": found.status.value,
            "comment": comment,
            "lead_units": leads,
            "lead_units_without_staff": unstaffed,
        },
        now=now,
    )
    return {"state": found.status.value, "lead_units": leads}


def record_lead_opinions(
    session: Session, *, actor: Actor, unit_id: int, year: int, reviews: Any, now: datetime
) -> int:
    """Write each lead unit's opinion on the key tasks it leads; how many entries got one."""
    found = find_verification(session, unit_id, year)
    leads = {
        indicator_id: code
        for indicator_id, code in session.execute(
            select(Indicator.id, Unit.code)
            .join(KeyTask, KeyTask.id == Indicator.key_task_id)
            .join(Unit, Unit.id == KeyTask.lead_unit_id)
            .where(Indicator.id.in_([e.indicator_id for e in found.entries]))
        ).all()
    }
    given = [r for r in reviews if isinstance(r, dict)] if isinstance(reviews, list) else []
    reviewed = 0
    for review in given:
        for entry in found.entries:
            if leads.get(entry.indicator_id) == review.get("lead_unit"):
                entry.lead_assessment = str(review.get("assessment") or "")[:16]
                entry.lead_opinion = str(review.get("comment") or "")[:4000]
                entry.lead_reviewed_by_id = actor.user_id
                reviewed += 1
    record(
        session,
        actor=actor,
        action="verification.lead_opinions",
        object_type="verification",
        object_id=found.id,
        after={"reviews": given},
        now=now,
    )
    return reviewed
