"""Service operations of progress reporting (`progress.*`), the P proposal for a task that goes
overdue, and the units its forms name (`x-choices-from: units`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.errors import InvalidInput
from app.extensions import db_session
from app.org.services import current_year, memberships
from app.progress import periods, proposals, reports
from app.workflow.definitions.forms import ChoiceContext, register_choices
from app.workflow.models import HumanTask
from app.workflow.registry import REGISTRY, Operation, ServiceCall
from app.workflow.timers.task_deadlines import OVERDUE_LISTENERS

SYSTEM = Actor.system("deadlines")


def _period(call: ServiceCall) -> str:
    period = call.params.get("period")
    if not isinstance(period, str):
        raise InvalidInput(_("period must be a month such as 2026-03."))
    try:
        periods.period_end(period)
    except ValueError:
        raise InvalidInput(_("period must be a month such as 2026-03.")) from None
    return period


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("%(v)s is not an ISO 8601 date-time.", v=value)) from None


def _cycle(call: ServiceCall) -> dict[str, Any]:
    period = _period(call) if call.params.get("period") is not None else None
    return periods.cycle_of(period, call.now)


def _reporting_units(call: ServiceCall) -> list[dict[str, Any]]:
    due_at = _moment(call.params.get("due_at")) or call.now
    return reports.reporting_units(call.session, due_at=due_at)


def _open_report(call: ServiceCall) -> dict[str, Any]:
    return reports.open_report(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        period=_period(call),
        due_at=_moment(call.params.get("due_at")),
        instance_id=call.instance_id,
    )


def _submit_report(call: ServiceCall) -> dict[str, Any]:
    evidence = [e for e in (call.params.get("evidence"), call.params.get("more_evidence")) if e]
    return reports.submit_report(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        period=_period(call),
        rows=call.params.get("entries"),
        evidence_ids=[str(e) for e in evidence],
        now=call.now,
    )


def _record_lead_reviews(call: ServiceCall) -> int:
    return reports.record_lead_reviews(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        period=_period(call),
        reviews=call.params.get("reviews"),
    )


def _check_report(call: ServiceCall) -> str:
    return reports.check_report(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        period=_period(call),
        accept=call.params.get("decision") != "return",
        comment=str(call.params.get("comment") or ""),
        now=call.now,
    )


def _record_missing(call: ServiceCall) -> int | None:
    return reports.record_missing(
        call.session, actor=call.actor, unit_id=call.unit(), period=_period(call), now=call.now
    )


for operation in (
    Operation(
        "progress.reporting_units",
        "The units that report for the month before `due_at` (a start set for `startFor`).",
        {"due_at": False},
        _reporting_units,
    ),
    Operation(
        "progress.cycle",
        "Year, period and last day of the cycle: the given period, else last month.",
        {"period": False},
        _cycle,
    ),
    Operation(
        "progress.open_report",
        "Create the unit's report for the period; returns its rows and whether it opened.",
        {"year": True, "period": True, "due_at": False},
        _open_report,
    ),
    Operation(
        "progress.submit_report",
        "Record the unit's report; returns the problems to fix and the reviewing lead units.",
        {"period": True, "entries": True, "evidence": False, "more_evidence": False},
        _submit_report,
    ),
    Operation(
        "progress.record_lead_reviews",
        "Write the lead units' comments on the key tasks they lead.",
        {"period": True, "reviews": True},
        _record_lead_reviews,
    ),
    Operation(
        "progress.check_report",
        "The office accepts the report (decision 'accept') or returns it ('return').",
        {"period": True, "decision": True, "comment": False},
        _check_report,
    ),
    Operation(
        "progress.record_missing",
        "Mark the period's report missing and propose the deduction.",
        {"period": True},
        _record_missing,
    ),
):
    REGISTRY.register(operation)


def propose_for_overdue_task(session: Session, task: HumanTask, now: datetime) -> None:
    """A unit's task went overdue: propose the rule its diagram names (`overdueRule`), by
    default `overdue_task`. A named rule applies once per instance; the default once per task."""
    instance = task.instance
    if task.scope_unit_id is None or instance.unit_id is None:
        return  # only a unit's own work counts against its P
    settings = instance.definition.task_settings.get(task.spec_id, {})
    rule = settings.get("overdue_rule") or "overdue_task"
    if rule == "none":
        return
    proposals.propose(
        session,
        actor=SYSTEM,
        year=instance.year or now.year,
        unit_id=task.scope_unit_id,
        rule_code=rule,
        source_key=(
            proposals.task_source(task.id)
            if rule == "overdue_task"
            else proposals.instance_source(instance.id)
        ),
        source={
            "instance_id": instance.id,
            "task": task.name,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "data_period": (instance.data or {}).get("period"),
        },
        now=now,
    )


OVERDUE_LISTENERS.append(propose_for_overdue_task)


def unit_choices(context: ChoiceContext) -> list[tuple[Any, str]]:
    """The units assessed in the task's year: code and name (a lead unit's comment names it)."""
    session = db_session()
    year = context.year or current_year(session)
    return [(m.unit.code, m.unit.name_zh) for m in memberships(session, year)]


register_choices("units", unit_choices)
