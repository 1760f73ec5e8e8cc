"""Year-end verification (policy §18): the office's steps of the `year_end_verification` diagram.

The office verifies each claim against the lead units' opinions and sets the verified completion
c ∈ [0, 1] (or returns the self-evaluation with its reasons); a reproducible sample of the
indicators then goes to field checks, and evidence found untrue becomes a P deduction proposal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict, InvalidInput
from app.indicators.models import Indicator
from app.org.models import Unit
from app.progress import proposals
from app.verification.models import (
    Finding,
    Verification,
    VerificationEntry,
    VerificationStatus,
)
from app.verification.procedure import (
    approved_indicators,
    decimal_or_none,
    find_verification,
    indicator_of,
)
from app.verification.sampling import DEFAULT_SHARE, derive_seed, draw_sample

UNTRUE_EVIDENCE = "untrue_evidence"


def _titles(session: Session, unit_id: int, year: int) -> dict[int, Indicator]:
    return {i.id: i for i in approved_indicators(session, unit_id, year)}


def _percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}%"


def verification_forms(session: Session, *, unit_id: int, year: int) -> dict[str, Any]:
    """What the office's verification form shows and starts with: the claims and the lead units'
    opinions (read-only), and one row per indicator to verify, c pre-filled from the claim."""
    found = find_verification(session, unit_id, year)
    indicators = _titles(session, unit_id, year)
    claims, rows = [], []
    for entry in found.entries:
        indicator = indicators.get(entry.indicator_id)
        if indicator is None:
            continue
        title = indicator.current.title
        claims.append(
            {
                "title": title,
                "target": indicator.current.target,
                "weight": float(indicator.current.weight),
                "completion": _percent_text(entry.claimed_percent),
                "self_score": float(entry.self_score or 0),
                "explanation": entry.explanation,
                "lead_opinion": entry.lead_opinion,
            }
        )
        claimed = (entry.claimed_percent or Decimal(0)) / 100
        prefill = entry.verified_completion if entry.verified_completion is not None else claimed
        row = {"indicator_id": entry.indicator_id, "title": title}
        row |= {"verified_completion": float(prefill), "note": entry.verification_note}
        rows.append({k: v for k, v in row.items() if v != ""})
    return {"claims": claims, "verifications": rows, "evidence": found.evidence_ids}


def _verification_problems(
    rows: Any, indicators: dict[int, Indicator]
) -> tuple[list[str], dict[int, tuple[Decimal, str]]]:
    problems: list[str] = []
    given: dict[int, tuple[Decimal, str]] = {}
    named: set[int] = set()
    for row in rows if isinstance(rows, list) else []:
        indicator = indicator_of(row, indicators)
        if indicator is None:
            problems.append(_("A row names an indicator that is not one of this unit's."))
            continue
        named.add(indicator.id)
        c = decimal_or_none(row.get("verified_completion"))
        if c is None or not 0 <= c <= 1:
            title = indicator.current.title
            problems.append(_("%(title)s: c must lie between 0 and 1.", title=title))
        else:
            given[indicator.id] = (c.quantize(Decimal("0.0001")), str(row.get("note") or ""))
    problems += [
        _("%(title)s: the verified completion is missing.", title=i.current.title)
        for i in indicators.values()
        if i.id not in named
    ]
    return problems, given


def record_verification(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int,
    rows: Any,
    accept: bool,
    reasons: str,
    seed: str | None,
    share: Decimal | None,
    now: datetime,
) -> dict[str, Any]:
    """The office returns the self-evaluation with its reasons (`state: returned`) or records c
    per indicator and draws the field-check sample (`state: field_check`, with `sample` and
    `seed`); `state: problems` lists what to fix first (nothing is written then)."""
    found = find_verification(session, unit_id, year, lock=True)
    if found.status is not VerificationStatus.VERIFYING:
        raise Conflict(_("This self-evaluation is not waiting for verification."))
    if not accept:
        if not reasons.strip():
            message = _("Say why the self-evaluation goes back.")
            raise InvalidInput(message, details=[{"path": "return_reasons", "message": message}])
        return _return(session, actor, found, reasons.strip()[:4000], now)
    indicators = _titles(session, unit_id, year)
    problems, given = _verification_problems(rows, indicators)
    if problems:
        return {"state": "problems", "problems": problems}
    entries = {e.indicator_id: e for e in found.entries}
    for indicator_id, (c, note) in given.items():
        entry = entries[indicator_id]
        entry.verified_completion, entry.verification_note = c, note[:4000]
    found.verified_at, found.verified_by_id = now, actor.user_id
    found.return_reasons = ""
    record(
        session,
        actor=actor,
        action="verification.verified",
        object_type="verification",
        object_id=found.id,
        before={"status": found.status.value},
        after={"verified": {str(k): [str(c), n] for k, (c, n) in given.items()}},
        now=now,
    )
    sample = _draw(session, actor, found=found, seed=seed, share=share or DEFAULT_SHARE, now=now)
    return {"state": "field_check", "seed": found.sample_seed, "sample": sample}


def correct_completion(
    session: Session,
    *,
    actor: Actor,
    year: int,
    indicator_id: int,
    completion: Decimal,
    reason: str,
    now: datetime,
) -> VerificationEntry:
    """The office changes a finished verification's completion c of one indicator (an upheld
    appeal's correction), audited with the value before and after and the reason."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    entry = session.execute(
        select(VerificationEntry)
        .join(Verification, Verification.id == VerificationEntry.verification_id)
        .where(
            Verification.year == year,
            Verification.status == VerificationStatus.DONE,
            VerificationEntry.indicator_id == indicator_id,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if entry is None:
        raise Conflict(_("This indicator has no finished verification to correct."))
    if not completion.is_finite() or not 0 <= completion <= 1:
        message = _("The verified completion c must lie between 0 and 1.")
        raise InvalidInput(message, details=[{"path": "verified_completion", "message": message}])
    before = entry.verified_completion
    entry.verified_completion = completion.quantize(Decimal("0.0001"))
    record(
        session,
        actor=actor,
        action="verification.corrected",
        object_type="verification_entry",
        object_id=entry.id,
        before={"indicator_id": indicator_id, "verified_completion": str(before)},
        after={
            "indicator_id": indicator_id,
            "verified_completion": str(entry.verified_completion),
            "reason": reason,
        },
        now=now,
    )
    return entry


def _return(
    session: Session, actor: Actor, found: Verification, reasons: str, now: datetime
) -> dict[str, Any]:
    found.status, found.return_reasons = VerificationStatus.SELF_EVALUATING, reasons
    found.signed_at = found.signed_by_id = None
    record(
        session,
        actor=actor,
        action="verification.returned",
        object_type="verification",
        object_id=found.id,
        before={"status": VerificationStatus.VERIFYING.value},
        after={"status": found.status.value, "reasons": reasons},
        now=now,
    )
    return {"state": "returned", "reasons": reasons}


def _draw(
    session: Session,
    actor: Actor,
    *,
    found: Verification,
    seed: str | None,
    share: Decimal,
    now: datetime,
) -> list[dict[str, Any]]:
    """Draw the sample, write the seed and the drawn list to the audit trail; the field-check
    rows of the drawn indicators."""
    unit = session.get_one(Unit, found.unit_id)
    seed = seed or derive_seed(found.year, unit.code, found.salt)
    if not 0 < share <= 1:
        raise InvalidInput(_("The sample share must lie between 0 and 1."))
    drawn = draw_sample([e.indicator_id for e in found.entries], seed, share)
    for entry in found.entries:
        entry.sampled = entry.indicator_id in drawn
    found.status, found.sample_seed, found.sample_share = (
        VerificationStatus.FIELD_CHECK,
        seed,
        share,
    )
    record(
        session,
        actor=actor,
        action="verification.sample_drawn",
        object_type="verification",
        object_id=found.id,
        after={
            "seed": seed,
            "share": str(share),
            "population": sorted(e.indicator_id for e in found.entries),
            "drawn": drawn,
        },
        now=now,
    )
    titles = _titles(session, found.unit_id, found.year)
    return [_field_row(e, titles) for e in found.entries if e.sampled]


def _field_row(entry: VerificationEntry, titles: dict[int, Indicator]) -> dict[str, Any]:
    indicator = titles.get(entry.indicator_id)
    return {
        "indicator_id": entry.indicator_id,
        "title": indicator.current.title if indicator else str(entry.indicator_id),
        "claimed": _percent_text(entry.claimed_percent),
        "verified_completion": float(entry.verified_completion or 0),
    }


def record_field_checks(
    session: Session, *, actor: Actor, unit_id: int, year: int, findings: Any, now: datetime
) -> dict[str, Any]:
    """Record the finding on each sampled indicator and finish the verification; evidence found
    untrue is proposed as a P deduction (`untrue_evidence`) for the office to confirm.
    `problems` lists what to fix first (nothing is written then)."""
    found = find_verification(session, unit_id, year, lock=True)
    if found.status is not VerificationStatus.FIELD_CHECK:
        raise Conflict(_("This verification is not at its field checks."))
    sampled = {e.indicator_id: e for e in found.entries if e.sampled}
    given: dict[int, tuple[Finding, str]] = {}
    for row in findings if isinstance(findings, list) else []:
        indicator_id = row.get("indicator_id") if isinstance(row, dict) else None
        entry = sampled.get(indicator_id) if isinstance(indicator_id, int) else None
        if entry is not None and row.get("finding") in set(Finding):
            given[entry.indicator_id] = (Finding(row["finding"]), str(row.get("note") or ""))
    titles = _titles(session, unit_id, year)
    missing = [
        _("%(title)s: the field check's finding is missing.", title=_field_row(e, titles)["title"])
        for i, e in sampled.items()
        if i not in given
    ]
    if missing:
        return {"problems": missing, "proposals": []}
    for indicator_id, (finding, note) in given.items():
        entry = sampled[indicator_id]
        entry.finding, entry.finding_note = finding, note[:4000]
        entry.checked_by_id, entry.checked_at = actor.user_id, now
    found.status, found.done_at = VerificationStatus.DONE, now
    record(
        session,
        actor=actor,
        action="verification.field_checked",
        object_type="verification",
        object_id=found.id,
        before={"status": VerificationStatus.FIELD_CHECK.value},
        after={
            "status": found.status.value,
            "findings": {str(k): [f.value, n] for k, (f, n) in given.items()},
        },
        now=now,
    )
    proposed = [
        _propose_untrue(session, actor, found=found, entry=sampled[i], titles=titles, now=now)
        for i, (finding, _note) in given.items()
        if finding is Finding.UNTRUE
    ]
    return {"problems": [], "proposals": [p for p in proposed if p is not None]}


def _propose_untrue(
    session: Session,
    actor: Actor,
    *,
    found: Verification,
    entry: VerificationEntry,
    titles: dict[int, Indicator],
    now: datetime,
) -> int | None:
    proposal = proposals.propose(
        session,
        actor=actor,
        year=found.year,
        unit_id=found.unit_id,
        rule_code=UNTRUE_EVIDENCE,
        source_key=f"verification_entry:{entry.id}",
        source={
            "verification_id": found.id,
            "instance_id": found.instance_id,
            "indicator_id": entry.indicator_id,
            "indicator": _field_row(entry, titles)["title"],
            # The proposals page names the step a fact came from by `task`.
            "task": _("Field check: %(title)s", title=_field_row(entry, titles)["title"]),
            "note": entry.finding_note,
        },
        now=now,
    )
    return proposal.id if proposal else None
