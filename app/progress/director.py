"""What the office proposes for P beyond the system's own facts, and the director's approval.

The office proposes a bonus (SPEC §8's P) with a reason and evidence; like a deduction it is then
confirmed or rejected by the office (app.progress.proposals.decide). Every confirmed deduction and
bonus reaches the office director, who approves it, and only then does it count in P, or returns
it to the office with a reason. A page workflow rather than a diagram: one decision per item,
made on the proposals page where the office already works them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict, InvalidInput, NotFound
from app.evidence.services import store_evidence
from app.org.models import Unit
from app.progress.models import Proposal, ProposalStatus
from app.progress.proposals import BONUS, FULL, year_rules


def _problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def propose_bonus(
    session: Session,
    *,
    actor: Actor,
    year: int,
    unit_id: int | None,
    points: Decimal,
    reason: str,
    evidence: tuple[str, bytes] | None,
    now: datetime,
) -> Proposal:
    """The office proposes a bonus for a unit, with its reason and evidence file (name, bytes)."""
    require(actor, Permission.RUN_CYCLE)
    problems = []
    if unit_id is None or session.get(Unit, unit_id) is None:
        problems.append(_problem("unit_id", _("Choose the unit.")))
    if not points.is_finite() or points <= 0 or points > FULL:
        problems.append(_problem("points", _("A bonus is more than 0 and at most 100 points.")))
    if not reason.strip():
        problems.append(_problem("reason", _("Give the reason for the bonus.")))
    if evidence is None:
        problems.append(_problem("evidence", _("Upload the evidence for the bonus.")))
    if problems or unit_id is None or evidence is None:
        raise InvalidInput(_("Please correct the marked fields."), details=problems)
    stored = store_evidence(
        session,
        actor=actor,
        name=evidence[0],
        content=evidence[1],
        unit_id=unit_id,
        instance_id=None,
        now=now,
    )
    year_rules(session, year)
    proposal = Proposal(
        year=year,
        unit_id=unit_id,
        rule_code=BONUS,
        points=points.quantize(Decimal("0.01")),
        source_key=f"bonus:{uuid.uuid4()}",
        source={"reason": reason.strip()[:2000], "evidence": stored.id},
        status=ProposalStatus.PROPOSED,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        actor=actor,
        action="p_proposal.bonus",
        object_type="p_proposal",
        object_id=proposal.id,
        after={"unit_id": unit_id, "points": str(proposal.points), **proposal.source},
        now=now,
    )
    return proposal


def review(
    session: Session,
    *,
    actor: Actor,
    proposal_id: int,
    approve: bool,
    reason: str,
    now: datetime,
) -> Proposal:
    """The office director approves a confirmed deduction or bonus (it counts in P from now on)
    or returns it to the office with a reason."""
    require(actor, Permission.APPROVE_OFFICE_PROPOSALS)
    proposal = session.execute(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).scalar_one_or_none()
    if proposal is None:
        raise NotFound(_("No such proposal."))
    if proposal.status is not ProposalStatus.CONFIRMED:
        raise Conflict(_("Only proposals the office confirmed await the director."))
    if not approve and not reason.strip():
        message = _("Say why it goes back to the office.")
        raise InvalidInput(message, details=[_problem("reason", message)])
    before = {"status": proposal.status.value}
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.RETURNED
    proposal.review_reason = reason.strip()[:2000]
    proposal.reviewed_by_id, proposal.reviewed_at = actor.user_id, now
    record(
        session,
        actor=actor,
        action="p_proposal.review",
        object_type="p_proposal",
        object_id=proposal.id,
        before=before,
        after={"status": proposal.status.value, "reason": proposal.review_reason},
        now=now,
    )
    return proposal
