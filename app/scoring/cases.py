"""§22 disqualification cases: recorded per unit and year with their evidence; a case not
exempted (for one of §22's two reasons) takes the unit out of 优秀."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.errors import Conflict, InvalidInput, NotFound
from app.evidence.models import EvidenceFile
from app.org.models import UnitMembership
from app.org.services import unit_by_code
from app.scoring.models import CaseKind, DisqualificationCase, Exemption

MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class CaseInput:
    """What the office enters for a case."""

    unit_code: str
    kind: str
    description: str
    evidence_ids: tuple[str, ...] = ()


def _field_errors(errors: dict[str, str]) -> InvalidInput:
    return InvalidInput(
        "\n".join(errors.values()),
        details=[{"path": path, "message": message} for path, message in errors.items()],
    )


def _snapshot(case: DisqualificationCase) -> dict[str, object]:
    return {
        "year": case.year,
        "unit": case.unit.code,
        "kind": case.kind.value,
        "description": case.description,
        "evidence": list(case.evidence_ids),
        "exemption": case.exemption.value if case.exemption else None,
        "exemption_note": case.exemption_note,
    }


def record_case(
    session: Session, actor: Actor, year: int, data: CaseInput, *, now: datetime
) -> DisqualificationCase:
    """Record a §22 case for a unit assessed in `year` (audited)."""
    require(actor, Permission.RUN_CYCLE)
    errors: dict[str, str] = {}
    unit = None
    try:
        unit = unit_by_code(session, data.unit_code.strip().upper())
    except NotFound as error:
        errors["unit_code"] = error.message
    if (
        unit is not None
        and not session.execute(
            select(UnitMembership.id).where(
                UnitMembership.year == year, UnitMembership.unit_id == unit.id
            )
        ).first()
    ):
        errors["unit_code"] = _("%(code)s is not assessed in %(year)d.", code=unit.code, year=year)
    kind = CaseKind(data.kind) if data.kind in {k.value for k in CaseKind} else None
    if kind is None:
        errors["kind"] = _("Choose the kind of case.")
    description = data.description.strip()
    if not description:
        errors["description"] = _("Describe the case.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)d characters.", n=MAX_DESCRIPTION)
    evidence = [e for e in data.evidence_ids if e]
    known = set(
        session.execute(select(EvidenceFile.id).where(EvidenceFile.id.in_(evidence))).scalars()
    )
    if set(evidence) - known:
        errors["evidence"] = _("An evidence file was not found; upload it again.")
    if errors or unit is None or kind is None:
        raise _field_errors(errors)
    case = DisqualificationCase(
        year=year,
        unit=unit,
        unit_id=unit.id,
        kind=kind,
        description=description,
        evidence_ids=evidence,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.name,
        exemption_note="",
        exempted_by_name="",
    )
    session.add(case)
    session.flush()
    record(
        session,
        actor=actor,
        action="scores.case_record",
        object_type="disqualification_case",
        object_id=case.id,
        after=_snapshot(case),
        now=now,
    )
    return case


def exempt_case(
    session: Session,
    actor: Actor,
    case_id: int,
    exemption: str,
    note: str,
    *,
    now: datetime,
) -> DisqualificationCase:
    """Exempt a case for one of §22's two reasons: it no longer disqualifies (audited)."""
    require(actor, Permission.RUN_CYCLE)
    case = session.get(DisqualificationCase, case_id)
    if case is None:
        raise NotFound(_("No such case."))
    if case.exemption is not None:
        raise Conflict(_("This case is already exempted."))
    if exemption not in {e.value for e in Exemption}:
        raise _field_errors({"exemption": _("Choose one of the two reasons of §22.")})
    before = _snapshot(case)
    case.exemption = Exemption(exemption)
    case.exemption_note = note.strip()[:MAX_DESCRIPTION]
    case.exempted_at = now
    case.exempted_by_id = actor.user_id
    case.exempted_by_name = actor.name
    session.flush()
    record(
        session,
        actor=actor,
        action="scores.case_exempt",
        object_type="disqualification_case",
        object_id=case.id,
        before=before,
        after=_snapshot(case),
        now=now,
    )
    return case


def cases_of_year(session: Session, year: int) -> list[DisqualificationCase]:
    """The year's cases, newest first, with their units."""
    return list(
        session.execute(
            select(DisqualificationCase)
            .where(DisqualificationCase.year == year)
            .options(selectinload(DisqualificationCase.unit))
            .order_by(DisqualificationCase.id.desc())
        ).scalars()
    )
