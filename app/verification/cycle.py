"""The office starts the year-end verification for every unit that needs one at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.org.models import Unit
from app.verification.models import Verification, VerificationStatus
from app.verification.queries import PROCESS_KEY, open_units, units_with_approved
from app.workflow.instances.runtime import start_instance


def units_to_start(session: Session, year: int) -> list[Unit]:
    """Units with approved indicators, no verification procedure open and none done."""
    done = set(
        session.execute(
            select(Verification.unit_id).where(
                Verification.year == year, Verification.status == VerificationStatus.DONE
            )
        ).scalars()
    )
    skip = open_units(session, year) | done
    return [u for u in units_with_approved(session, year) if u.id not in skip]


def start_all(session: Session, *, actor: Actor, year: int, now: datetime) -> list[str]:
    """Start `year_end_verification` for every unit that needs one; the names of those started."""
    require(actor, Permission.RUN_CYCLE)
    units = units_to_start(session, year)
    started = [
        start_instance(
            session, actor=actor, key=PROCESS_KEY, unit_code=u.code, data={"year": year}, now=now
        ).id
        for u in units
    ]
    record(
        session,
        actor=actor,
        action="verification.started_for_all",
        object_type="year",
        object_id=year,
        after={"units": [u.code for u in units], "instances": started},
        now=now,
    )
    return [u.name_zh for u in units]
