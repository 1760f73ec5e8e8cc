"""An upheld appeal's corrections written to the records the scores are gathered from, each
through the service that owns it, then the year scored again from the records (SPEC §10), so
that a later `scores compute` keeps the correction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.appeals.corrections import (
    Change,
    corrected_document,
    current_value,
    departmental_item,
    indicator_position,
    unit_document,
)
from app.appeals.models import Appeal
from app.auth.actor import Actor
from app.evaluations.departments import correct_score
from app.evaluations.models import DepartmentItem
from app.progress.proposals import record_correction
from app.scoring.gather import compute_year, gather_inputs
from app.scoring.inputs import parse_inputs
from app.scoring.models import ScoreRun
from app.scoring.problems import InputsProblem
from app.verification.checks import correct_completion
from app.verification.queries import verified_indicators


def correction_problems(
    session: Session, year: int, code: str, changes: list[Change], version: int
) -> list[str]:
    """What stops writing `changes` to the records: a record that no longer holds the value
    score version `version` showed, a cancelled indicator, or a year that cannot be scored from
    the corrected records (empty when nothing does)."""
    gathered = gather_inputs(session, year)
    try:
        unit = unit_document(gathered, code)
    except KeyError:
        return [_("%(unit)s is not assessed in %(year)d.", unit=code, year=year)]
    problems: list[str] = []
    for change in changes:
        recorded = current_value(unit, change.key)
        position = indicator_position(change.key)
        if position is not None and unit["indicators"][position].get("cancelled"):
            problems.append(
                _("%(label)s: a cancelled indicator does not count.", label=change.label)
            )
        elif recorded is None or Decimal(recorded) != Decimal(change.old):
            problems.append(
                _(
                    "%(label)s: the records now hold %(recorded)s, not %(old)s as in score "
                    "version %(version)d; compute the year's scores again before deciding.",
                    label=change.label,
                    recorded=recorded or "—",
                    old=change.old,
                    version=version,
                )
            )
    if not problems:
        try:
            parse_inputs(corrected_document(gathered, code, changes))
        except InputsProblem as error:
            problems.extend(problem.message for problem in error.problems)
    return problems


def _write(
    session: Session, actor: Actor, appeal: Appeal, change: Change, *, reason: str, now: datetime
) -> None:
    delivery = appeal.delivery
    year, unit_id = delivery.year, delivery.unit_id
    position = indicator_position(change.key)
    item = departmental_item(change.key)
    if position is not None:
        indicator = verified_indicators(session, year)[delivery.unit.code][position]
        correct_completion(
            session,
            actor=actor,
            year=year,
            indicator_id=indicator.indicator_id,
            completion=Decimal(change.new),
            reason=reason,
            now=now,
        )
    elif item is not None:
        correct_score(
            session,
            actor=actor,
            year=year,
            item=DepartmentItem(item),
            unit_id=unit_id,
            actual=change.new,
            reason=reason,
            now=now,
        )
    else:
        source: dict[str, Any] = {"appeal_id": appeal.id, "task": reason}
        record_correction(
            session,
            actor=actor,
            year=year,
            unit_id=unit_id,
            side=change.key,
            old=Decimal(change.old),
            new=Decimal(change.new),
            source_key=f"appeal:{appeal.id}",
            source=source,
            reason=reason,
            now=now,
        )


def apply_corrections(
    session: Session,
    actor: Actor,
    appeal: Appeal,
    changes: list[Change],
    *,
    reason: str,
    now: datetime,
) -> ScoreRun:
    """Write each change through its owning service (each audited with `reason`), then compute
    the year from the records as `scores compute` does; returns the new score version."""
    for change in changes:
        _write(session, actor, appeal, change, reason=reason, now=now)
    session.flush()
    return compute_year(session, actor, appeal.delivery.year, reason, now=now)
