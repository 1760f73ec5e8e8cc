"""Monthly progress reporting (policy §13, §17): the steps the `progress_reporting` diagram calls.

Each unit with approved indicators reports once a period (`YYYY-MM`) on every indicator: percent
complete, what was done, evidence files. Lead units comment on their key tasks; the office checks;
checked reports feed the public portal. Deadlines and the cut-off for a missing report are timers
in the diagram; a report that goes overdue or missing becomes a P proposal (app.progress.proposals).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.errors import Conflict, InvalidInput, NotFound
from app.indicators.models import Indicator, IndicatorKind, IndicatorStatus, KeyTask
from app.org.models import Unit
from app.progress import proposals
from app.progress.models import ProgressEntry, ProgressReport, ReportStatus
from app.progress.periods import reported_period


def reporting_units(session: Session, *, due_at: datetime) -> list[dict[str, Any]]:
    """One start per unit that has approved indicators in the reported month's year and no
    report for that month yet (so a cycle started twice starts nothing twice)."""
    year, period, last = reported_period(due_at)
    reported = select(ProgressReport.unit_id).where(ProgressReport.period == period)
    codes = session.execute(
        select(Unit.code)
        .join(Indicator, Indicator.unit_id == Unit.id)
        .where(
            Indicator.year == year,
            Indicator.status == IndicatorStatus.APPROVED,
            Unit.id.not_in(reported),
        )
        .distinct()
        .order_by(Unit.code)
    ).scalars()
    data = {"year": year, "period": period, "period_end": last.isoformat()}
    return [{"unit_code": code, "data": data} for code in codes]


def _approved(session: Session, unit_id: int, year: int) -> list[Indicator]:
    return list(
        session.execute(
            select(Indicator)
            .where(
                Indicator.unit_id == unit_id,
                Indicator.year == year,
                Indicator.status == IndicatorStatus.APPROVED,
            )
            .order_by(Indicator.kind, Indicator.id)
        ).scalars()
    )


def _report(session: Session, unit_id: int, period: str, *, lock: bool = False) -> ProgressReport:
    query = select(ProgressReport).where(
        ProgressReport.unit_id == unit_id, ProgressReport.period == period
    )
    report = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if report is None:
        raise NotFound(_("There is no report of this unit for %(period)s.", period=period))
    return report


def _last_percent(session: Session, indicator_id: int, before: str) -> int:
    percent = session.execute(
        select(ProgressEntry.percent)
        .join(ProgressReport, ProgressReport.id == ProgressEntry.report_id)
        .where(
            ProgressEntry.indicator_id == indicator_id,
            ProgressReport.period < before,
            ProgressReport.status.in_([ReportStatus.SUBMITTED, ReportStatus.CHECKED]),
        )
        .order_by(ProgressReport.period.desc())
        .limit(1)
    ).scalar()
    return int(percent or 0)


def entry_row(indicator: Indicator, percent: int, summary: str = "") -> dict[str, Any]:
    """An indicator as a row of the report form's table."""
    return {
        "indicator_id": indicator.id,
        "title": indicator.current.title,
        "percent": percent,
        "summary": summary,
    }


def open_report(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    year: int,
    period: str,
    due_at: datetime | None,
    instance_id: int | None,
) -> dict[str, Any]:
    """Create the unit's report for the period: `entries`, its rows with the last reported
    percent pre-filled, and `state`: `open`, or `exists` (the period has a report already) or
    `no_indicators` (nothing approved to report on), when the procedure ends at once."""
    exists = session.execute(
        select(ProgressReport.id).where(
            ProgressReport.unit_id == unit_id, ProgressReport.period == period
        )
    ).first()
    if exists:
        return {"entries": [], "state": "exists"}
    indicators = _approved(session, unit_id, year)
    if not indicators:
        return {"entries": [], "state": "no_indicators"}
    report = ProgressReport(
        year=year,
        period=period,
        unit_id=unit_id,
        instance_id=instance_id,
        status=ReportStatus.OPEN,
        due_at=due_at,
    )
    session.add(report)
    session.flush()
    record(
        session,
        actor=actor,
        action="progress.report_opened",
        object_type="progress_report",
        object_id=report.id,
        after={"unit_id": unit_id, "period": period, "due_at": due_at},
    )
    rows = [entry_row(i, _last_percent(session, i.id, period)) for i in indicators]
    return {
        "entries": rows,
        "state": "open",
        "prefill_note": _prefill_note(session, unit_id, period),
    }


def _prefill_note(session: Session, unit_id: int, period: str) -> str:
    """Where the report's pre-filled percentages come from, as its form tells the unit."""
    last = session.execute(
        select(func.max(ProgressReport.period)).where(
            ProgressReport.unit_id == unit_id,
            ProgressReport.period < period,
            ProgressReport.status.in_([ReportStatus.SUBMITTED, ReportStatus.CHECKED]),
        )
    ).scalar()
    if last is None:
        return str(_("No earlier report: every percent complete starts at 0."))
    return str(
        _(
            "Percent complete is pre-filled from your report for %(period)s; "
            "change it to the figure at the end of this month.",
            period=last,
        )
    )


def _percent(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 0 <= value <= 100 and float(value).is_integer():
        return int(value)
    return None


def _entry_problems(
    rows: Any, indicators: dict[int, Indicator]
) -> tuple[list[dict[str, str]], dict[int, dict[str, Any]]]:
    """What is wrong with the report's rows (each `{path, message}`, the path naming the row and
    cell of the form's table), and the good rows by indicator id."""
    problems: list[dict[str, str]] = []
    given: dict[int, dict[str, Any]] = {}
    named: set[int] = set()
    for number, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict):
            continue
        indicator_id = row.get("indicator_id")
        if indicator_id not in indicators:
            message = _(
                "Indicator %(id)s is not one of this unit's approved indicators.", id=indicator_id
            )
            problems.append({"path": f"entries/{number}/indicator_id", "message": message})
            continue
        named.add(indicator_id)
        if _percent(row.get("percent")) is None:
            message = _(
                "%(title)s: the percent complete must be a whole number from 0 to 100.",
                title=indicators[indicator_id].current.title,
            )
            problems.append({"path": f"entries/{number}/percent", "message": message})
        else:
            given[indicator_id] = row
    problems += [
        {
            "path": "entries",
            "message": _("%(title)s: progress is missing.", title=indicator.current.title),
        }
        for indicator_id, indicator in indicators.items()
        if indicator_id not in named
    ]
    return problems, given


def _lead_units(session: Session, unit_id: int, indicators: list[Indicator]) -> list[str]:
    """Codes of the other units leading the key tasks in these indicators."""
    task_ids = [i.key_task_id for i in indicators if i.kind is IndicatorKind.KEY_TASK]
    if not task_ids:
        return []
    return list(
        session.execute(
            select(Unit.code)
            .join(KeyTask, KeyTask.lead_unit_id == Unit.id)
            .where(KeyTask.id.in_(task_ids), Unit.id != unit_id)
            .distinct()
            .order_by(Unit.code)
        ).scalars()
    )


def submit_report(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    period: str,
    rows: Any,
    evidence_ids: list[str],
    now: datetime,
) -> dict[str, Any]:
    """Record the unit's report; `problems` lists what must be fixed first (`{path, message}`;
    nothing is written then), `lead_units` the units that review it."""
    report = _report(session, unit_id, period, lock=True)
    if report.status is not ReportStatus.OPEN:
        raise Conflict(_("The report for %(period)s is not open.", period=period))
    approved = _approved(session, unit_id, report.year)
    problems, given = _entry_problems(rows, {i.id: i for i in approved})
    if problems:
        return {"problems": problems, "lead_units": []}
    existing = {e.indicator_id: e for e in report.entries}
    for indicator_id, row in given.items():
        entry = existing.get(indicator_id) or ProgressEntry(indicator_id=indicator_id)
        entry.percent = _percent(row.get("percent")) or 0
        entry.summary = str(row.get("summary") or "")[:4000]
        entry.evidence_ids = evidence_ids
        if indicator_id not in existing:
            report.entries.append(entry)
    before = {"status": report.status.value}
    report.status, report.submitted_at, report.submitted_by_id = (
        ReportStatus.SUBMITTED,
        now,
        actor.user_id,
    )
    record(
        session,
        actor=actor,
        action="progress.report_submitted",
        object_type="progress_report",
        object_id=report.id,
        before=before,
        after={
            "status": report.status.value,
            "entries": {str(k): _percent(v.get("percent")) for k, v in given.items()},
            "evidence": evidence_ids,
        },
        now=now,
    )
    return {"problems": [], "lead_units": _lead_units(session, unit_id, approved)}


def record_lead_reviews(
    session: Session, *, actor: Actor, unit_id: int, period: str, reviews: Any
) -> int:
    """Write each lead unit's comment on the key tasks it leads; how many entries got one."""
    report = _report(session, unit_id, period)
    leads = {
        indicator.id: lead_code
        for indicator, lead_code in session.execute(
            select(Indicator, Unit.code)
            .join(KeyTask, KeyTask.id == Indicator.key_task_id)
            .join(Unit, Unit.id == KeyTask.lead_unit_id)
            .where(Indicator.id.in_([e.indicator_id for e in report.entries]))
        ).all()
    }
    commented = 0
    for review in reviews if isinstance(reviews, list) else []:
        if not isinstance(review, dict):
            continue
        for entry in report.entries:
            if leads.get(entry.indicator_id) == review.get("lead_unit"):
                entry.lead_comment = str(review.get("comment") or "")[:4000]
                entry.lead_commented_by_id = actor.user_id
                commented += 1
    record(
        session,
        actor=actor,
        action="progress.lead_reviews",
        object_type="progress_report",
        object_id=report.id,
        after={"reviews": reviews if isinstance(reviews, list) else []},
    )
    return commented


def check_report(
    session: Session,
    *,
    actor: Actor,
    unit_id: int,
    period: str,
    accept: bool,
    comment: str,
    now: datetime,
) -> str:
    """The office accepts the report (it reaches the portal) or returns it for revision."""
    report = _report(session, unit_id, period, lock=True)
    if report.status is not ReportStatus.SUBMITTED:
        raise Conflict(_("The report for %(period)s has not been submitted.", period=period))
    if not accept and not comment.strip():
        raise InvalidInput(_("Say why the report goes back."))
    before = {"status": report.status.value}
    report.status = ReportStatus.CHECKED if accept else ReportStatus.OPEN
    report.checked_at = now if accept else None
    report.office_comment = comment[:4000]
    record(
        session,
        actor=actor,
        action="progress.report_checked" if accept else "progress.report_returned",
        object_type="progress_report",
        object_id=report.id,
        before=before,
        after={"status": report.status.value, "comment": comment},
        now=now,
    )
    return report.status.value


def record_missing(
    session: Session, *, actor: Actor, unit_id: int, period: str, now: datetime
) -> int | None:
    """The cut-off passed with no report: mark it missing and propose the deduction (replacing
    a proposal for lateness, which the missing report includes)."""
    report = _report(session, unit_id, period, lock=True)
    if report.status is not ReportStatus.OPEN:
        return None
    report.status = ReportStatus.MISSING
    record(
        session,
        actor=actor,
        action="progress.report_missing",
        object_type="progress_report",
        object_id=report.id,
        before={"status": ReportStatus.OPEN.value},
        after={"status": ReportStatus.MISSING.value},
        now=now,
    )
    if report.instance_id is not None:
        proposals.withdraw(
            session,
            actor=actor,
            rule_code="late_report",
            source_key=proposals.instance_source(report.instance_id),
            reason=_("The report is missing; the deduction for a missing report applies."),
            now=now,
        )
    proposal = proposals.propose(
        session,
        actor=actor,
        year=report.year,
        unit_id=unit_id,
        rule_code="missing_report",
        source_key=f"report:{report.id}",
        source={"period": period, "report_id": report.id, "instance_id": report.instance_id},
        now=now,
    )
    return proposal.id if proposal else None
