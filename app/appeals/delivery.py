"""Delivering a year's results (the latest score run) to the units (SPEC §10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.appeals.models import DeliveryState, ResultDelivery
from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.workdays import SHANGHAI
from app.errors import Conflict, InvalidInput, NotFound
from app.scoring.models import ScoreRow, ScoreRun
from app.scoring.services import latest_run, scored_years
from app.signoff.services import grades_are_final
from app.workflow.instances.runtime import start_instance

APPEAL_PROCESS = "appeal"
APPEAL_WORKDAYS = 5
REPLY_WORKDAYS = 10


@dataclass
class DeliveryReport:
    """What `deliver_results` did: the units it started an appeal procedure for, and the rest."""

    version: int
    started: list[tuple[str, int]] = field(default_factory=list)  # unit code, instance id
    already_delivered: list[str] = field(default_factory=list)


def _two_decimals(value: str) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):.2f}"


def score_summary(run: ScoreRun, row: ScoreRow) -> dict[str, Any]:
    """A unit's delivered score as its forms and pages show it (one table row)."""
    return {
        "version": run.version,
        "category": row.category.label,
        "I": _two_decimals(row.i),
        "P": _two_decimals(row.p),
        "E": _two_decimals(row.e),
        "T": _two_decimals(row.t),
        "rank": row.rank,
        "grade": row.proposed_grade.value,
    }


def row_of(run: ScoreRun, unit_id: int) -> ScoreRow:
    """The unit's row in the run, or NotFound."""
    for row in run.rows:
        if row.unit_id == unit_id:
            return row
    raise NotFound(
        _("The scores of version %(version)d have no row for this unit.", version=run.version)
    )


def parse_delivered_at(value: Any, now: datetime) -> datetime:
    """`data.delivered_at` as an aware time (China time when it names no zone); now if absent."""
    if value is None or value == "":
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("delivered_at must be an ISO date-time, such as 2026-02-10T09:00:00+08:00."),
            details=[{"path": "delivered_at", "message": "not an ISO date-time"}],
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def record_delivery(
    session: Session,
    actor: Actor,
    *,
    unit_id: int,
    year: int,
    delivered_at: datetime,
    instance_id: int | None,
) -> tuple[ResultDelivery, dict[str, Any]]:
    """Record that the year's latest scores reached the unit at `delivered_at` (audited)."""
    run = latest_run(session, year)
    row = row_of(run, unit_id)
    delivery = ResultDelivery(
        year=year,
        unit_id=unit_id,
        score_run_id=run.id,
        score_version=run.version,
        delivered_at=delivered_at,
        delivered_by_id=actor.user_id,
        delivered_by_name=actor.name,
        instance_id=instance_id,
        state=DeliveryState.AWAITING,
    )
    session.add(delivery)
    session.flush()
    summary = score_summary(run, row)
    record(
        session,
        actor=actor,
        action="results.deliver",
        object_type="result_delivery",
        object_id=delivery.id,
        after={"unit": row.unit.code, "year": year, "version": run.version, "score": summary},
        now=delivered_at,
    )
    return delivery, summary


def delivery_of_instance(session: Session, instance_id: int | None) -> ResultDelivery:
    """The delivery an `appeal` instance works, or NotFound."""
    delivery = session.execute(
        select(ResultDelivery).where(ResultDelivery.instance_id == instance_id)
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(_("This procedure delivers no results."))
    return delivery


def deliver_results(session: Session, actor: Actor, year: int, now: datetime) -> DeliveryReport:
    """Deliver the year's latest scores to every scored unit not yet given that version: one
    `appeal` instance each, started with the year and the delivery time."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    if grades_are_final(session, year):
        raise Conflict(
            _(
                "The grades of %(year)d are final and their notice is published: results are no "
                "longer delivered, and no appeal can be made.",
                year=year,
            )
        )
    run = latest_run(session, year)
    delivered = set(
        session.execute(
            select(ResultDelivery.unit_id).where(
                ResultDelivery.year == year, ResultDelivery.score_version == run.version
            )
        ).scalars()
    )
    report = DeliveryReport(version=run.version)
    units = sorted((row.unit for row in run.rows), key=lambda unit: unit.code)
    for unit in units:
        if unit.id in delivered:
            report.already_delivered.append(unit.code)
            continue
        instance = start_instance(
            session,
            actor=actor,
            key=APPEAL_PROCESS,
            unit_code=unit.code,
            data={"year": year, "delivered_at": now.isoformat()},
            now=now,
        )
        report.started.append((unit.code, instance.id))
    return report


def deliveries_of_year(session: Session, year: int) -> dict[int, ResultDelivery]:
    """Each unit's latest delivery of the year, by unit id."""
    rows = session.execute(
        select(ResultDelivery).where(ResultDelivery.year == year).order_by(ResultDelivery.id)
    ).scalars()
    return {delivery.unit_id: delivery for delivery in rows}


STATE_LABELS = {
    DeliveryState.AWAITING: _l("Awaiting the unit's answer"),
    DeliveryState.ACCEPTED: _l("Result accepted"),
    DeliveryState.WINDOW_CLOSED: _l("Appeal period ended without an appeal"),
    DeliveryState.REFUSED_LATE: _l("Late appeal refused"),
    DeliveryState.UNDER_REVIEW: _l("Appeal under review by the office"),
    DeliveryState.UPHELD: _l("Appeal upheld"),
    DeliveryState.REJECTED: _l("Appeal rejected"),
}


@dataclass(frozen=True)
class UnitDelivery:
    """One row of the office's delivery page: a scored unit and its latest delivery, if any."""

    code: str
    name: str
    category: str
    grade: str
    delivery: ResultDelivery | None

    @property
    def state_label(self) -> str:
        """The delivery's state in the user's language ('' before any delivery)."""
        return "" if self.delivery is None else str(STATE_LABELS[self.delivery.state])


@dataclass(frozen=True)
class DeliveryOverview:
    """The year's latest score version (None before the year is scored), each scored unit's
    appeal state, how many units have not been given that version yet (none once the grades are
    final), and the years that have scores."""

    version: int | None
    units: list[UnitDelivery]
    to_deliver: int
    scored_years: list[int] = field(default_factory=list)
    final: bool = False


def delivery_overview(session: Session, actor: Actor, year: int) -> DeliveryOverview:
    """What `/appeals/<year>` shows the office."""
    require(actor, Permission.RUN_CYCLE)
    years = [scored for scored, _version in scored_years(session)]
    if year not in years:
        return DeliveryOverview(None, [], 0, years)
    run = latest_run(session, year)
    deliveries = deliveries_of_year(session, year)
    rows = sorted(run.rows, key=lambda row: (row.category.value, row.rank, row.unit.code))
    units = [
        UnitDelivery(
            row.unit.code,
            row.unit.name_zh,
            row.category.label,
            row.proposed_grade.value,
            deliveries.get(row.unit_id),
        )
        for row in rows
    ]
    final = grades_are_final(session, year)
    to_deliver = sum(
        1 for u in units if u.delivery is None or u.delivery.score_version != run.version
    )
    return DeliveryOverview(run.version, units, 0 if final else to_deliver, years, final)
