"""Monthly progress reporting (issue 5 §4, §5): started per unit by the diagram's timer once the
year's annual cycle has opened its reporting (issue 15), the unit reports, lead units comment,
the office checks; a late or missing report becomes a P proposal the office confirms or
rejects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.workdays import SHANGHAI, WorkdayCalendar
from app.cycle.openers import CYCLE_ACTOR, open_phase
from app.cycle.phases import Phase
from app.cycle.reporting import start_month_just_ended
from app.cycle.services import mark_opened
from app.db import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.indicators.models import Indicator
from app.indicators.procedure import publish, save_drafts
from app.org.models import Unit
from app.progress import director, proposals
from app.progress.models import (
    ProcessRule,
    ProgressReport,
    Proposal,
    ProposalStatus,
    ReportStatus,
)
from app.progress.periods import period_end
from app.progress.reports import open_report, record_missing, submit_report
from app.workflow.models import ProcessInstance, ProcessStart
from app.workflow.timers.scheduler import run_tick
from app.workflow.timers.task_deadlines import alert_due_tasks
from tests.factories import make_user
from tests.indicators.drive import done, only_task, work
from tests.workflow.helpers import bearer, inbox, instance, start

YEAR = 2026
SYSTEM = Actor.system("test")


def _unit(code: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def _approve(code: str) -> list[Indicator]:
    """The unit's drafts weighted to 80 and published, as the setting procedure would."""
    unit = _unit(code)
    rows = [
        {"id": i.id, "weight": 0}
        for i in db.session.execute(
            select(Indicator).where(Indicator.unit_id == unit.id).order_by(Indicator.id)
        ).scalars()
    ]
    share = (Decimal(80) / len(rows)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    rows = [{**r, "weight": float(share)} for r in rows[:-1]] + [
        {**rows[-1], "weight": float(80 - share * (len(rows) - 1))}
    ]
    assert (
        save_drafts(db.session, actor=SYSTEM, unit_id=unit.id, year=YEAR, rows=rows)["problems"]
        == []
    )
    publish(db.session, actor=SYSTEM, unit_id=unit.id, year=YEAR, now=utcnow())
    db.session.commit()
    return list(db.session.execute(select(Indicator).where(Indicator.unit_id == unit.id)).scalars())


@pytest.fixture
def approved(shipped: FlaskClient) -> FlaskClient:
    """FGW's indicators approved; GXT (lead of two of FGW's key tasks) has a staff account."""
    _approve("FGW")
    make_user("gxt1", (Role.UNIT_STAFF, _unit("GXT")))
    return shipped


def _monthly_start() -> ProcessStart:
    return db.session.execute(
        select(ProcessStart).where(
            ProcessStart.process_key == "progress_reporting", ProcessStart.done_at.is_(None)
        )
    ).scalar_one()


def _open_reporting_of(year: int) -> None:
    """Record that the year's annual cycle opened its monthly reporting."""
    mark_opened(db.session, CYCLE_ACTOR, year, Phase.REPORTING, now=utcnow())
    db.session.commit()


def test_the_timer_starts_one_report_per_unit_with_approved_indicators(
    approved: FlaskClient,
) -> None:
    row = _monthly_start()
    assert row.start_for == "cycle.reporting_units"
    due = row.due_at.astimezone(SHANGHAI)
    assert (due.year, due.month, due.day, due.hour) == (2027, 1, 1, 9)  # deployed December 2026
    _open_reporting_of(YEAR)
    assert run_tick(db.session, now=row.due_at + timedelta(seconds=1), worker="a") == 1
    db.session.commit()
    started = list(db.session.execute(select(ProcessInstance)).scalars())
    assert [i.unit_id for i in started] == [_unit("FGW").id]  # GXT has nothing approved
    assert started[0].data["period"] == "2026-12"
    report = db.session.execute(select(ProgressReport)).scalar_one()
    assert (report.period, report.status) == ("2026-12", ReportStatus.OPEN)
    task = only_task(approved, bearer(approved, "unit1"), "report")
    assert len(task["data"]["entries"]) == 3
    # The following month's row is waiting; firing this one again starts nothing.
    assert run_tick(db.session, now=row.due_at + timedelta(seconds=2), worker="b") == 0


def test_no_report_starts_before_the_cycle_opens_the_years_reporting(
    approved: FlaskClient,
) -> None:
    row = _monthly_start()
    run_tick(db.session, now=row.due_at + timedelta(seconds=1), worker="a")
    db.session.commit()
    assert db.session.execute(select(func.count(ProcessInstance.id))).scalar_one() == 0
    assert _monthly_start().due_at > row.due_at  # the next month waits

    # Opened in January of the year, nothing has ended yet to report on.
    january = datetime(YEAR, 1, 20, 2, 0, tzinfo=UTC)
    assert start_month_just_ended(db.session, CYCLE_ACTOR, YEAR, january) == 0
    # Opened later (here after the year), the reports on the month just ended start at once.
    opened = open_phase(db.session, YEAR, Phase.REPORTING, row.due_at + timedelta(hours=2))
    db.session.commit()
    assert opened["started"] == 1
    [instance] = db.session.execute(select(ProcessInstance)).scalars()
    assert (instance.unit_id, instance.data["period"]) == (_unit("FGW").id, "2026-12")


def _this_month() -> tuple[str, datetime]:
    """The current month as a period, and its report's due time (5th working day after it):
    always ahead of today, so the test sets the clock for the deadline itself."""
    today = utcnow().astimezone(SHANGHAI).date()
    period = today.strftime("%Y-%m")
    return period, WorkdayCalendar().workday_deadline(period_end(period), 5)


def test_a_monthly_cycle_with_a_late_report_ends_in_a_confirmed_deduction(
    approved: FlaskClient,
) -> None:
    client = approved
    office, unit = bearer(client, "office1"), bearer(client, "unit1")
    period, due = _this_month()
    started = start(
        client, office, "progress_reporting", unit_code="FGW", data={"year": YEAR, "period": period}
    )
    task = only_task(client, unit, "report")
    assert datetime.fromisoformat(task["due_at"]) == due

    # The due date passes: the deadlines machinery proposes the late-report deduction, once.
    assert alert_due_tasks(db.session, now=due + timedelta(minutes=1)) >= 1
    db.session.commit()
    alert_due_tasks(db.session, now=due + timedelta(days=1))
    db.session.commit()
    [late] = db.session.execute(select(Proposal)).scalars()
    assert (late.rule_code, late.points, late.status) == (
        "late_report",
        Decimal("-0.5"),
        ProposalStatus.PROPOSED,
    )
    assert late.unit_id == _unit("FGW").id and late.source["instance_id"] == started["id"]

    # A row on another unit's indicator is refused with its reason; nothing is written.
    foreign = (
        db.session.execute(select(Indicator.id).where(Indicator.unit_id == _unit("GXT").id))
        .scalars()
        .first()
    )
    entries = [{**e, "percent": 30, "summary": "按计划推进"} for e in task["data"]["entries"]]
    done(client, unit, task, entries=[*entries, {"indicator_id": foreign, "percent": 10}])
    work(client, "head1", "head_sign", signed=True, head_decision="approve")
    revise = only_task(client, unit, "revise")
    assert any(str(foreign) in p["message"] for p in revise["data"]["report_problems"])
    assert db.session.execute(select(ProgressReport)).scalar_one().status is ReportStatus.OPEN
    done(client, unit, revise, entries=entries)
    work(client, "head1", "head_sign", signed=True, head_decision="approve")

    # GXT leads two of FGW's key tasks and comments; the office checks.
    lead = only_task(client, bearer(client, "gxt1"), "lead_review")
    assert inbox(client, bearer(client, "unit1")) == []
    done(client, bearer(client, "gxt1"), lead, lead_comment="进度符合序时要求")
    check = only_task(client, office, "office_check")
    assert check["data"]["lead_reviews"] == [{"lead_unit": "GXT", "comment": "进度符合序时要求"}]
    schema = check["form"]["schema"]["properties"]["lead_reviews"]["items"]["properties"]
    assert {"const": "GXT", "title": _unit("GXT").name_zh} in schema["lead_unit"]["oneOf"]
    done(client, office, check, check_decision="accept")
    assert instance(client, office, started["id"])["status"] == "completed"
    db.session.expire_all()
    report = db.session.execute(select(ProgressReport)).scalar_one()
    assert report.status is ReportStatus.CHECKED
    commented = [e for e in report.entries if e.lead_comment]
    assert len(commented) == 2 and all(e.percent == 30 for e in report.entries)
    assert "30%" in client.get("/portal/").get_data(as_text=True)

    # The office decides with a reason; P follows the confirmed deduction.
    office_actor = actor_for(_office())
    with pytest.raises(InvalidInput):
        proposals.decide(
            db.session,
            actor=office_actor,
            proposal_id=late.id,
            confirm=True,
            reason=" ",
            now=utcnow(),
        )
    proposals.decide(
        db.session,
        actor=office_actor,
        proposal_id=late.id,
        confirm=True,
        reason="逾期报送属实",
        now=utcnow(),
    )
    db.session.commit()
    with pytest.raises(Conflict):
        proposals.decide(
            db.session,
            actor=office_actor,
            proposal_id=late.id,
            confirm=False,
            reason="重复",
            now=utcnow(),
        )
    fgw = _unit("FGW").id
    # Confirmed, it waits for the office director; only approved does it count.
    assert proposals.p_scores(db.session, YEAR, [fgw]) == {fgw: Decimal(100)}
    director.review(
        db.session,
        actor=actor_for(_user("director1")),
        proposal_id=late.id,
        approve=True,
        reason="",
        now=utcnow(),
    )
    assert proposals.p_scores(db.session, YEAR, [fgw]) == {fgw: Decimal("99.5")}


def test_a_report_started_after_its_cut_off_is_missing_at_once(approved: FlaskClient) -> None:
    client = approved
    started = start(
        client,
        bearer(client, "office1"),
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": "2026-09"},  # cut-off: 15th working day of October
    )
    assert started["status"] == "completed"
    assert inbox(client, bearer(client, "unit1")) == []
    db.session.expire_all()
    assert db.session.execute(select(ProgressReport)).scalar_one().status is ReportStatus.MISSING
    [missing] = db.session.execute(select(Proposal)).scalars()
    assert (missing.rule_code, missing.points) == ("missing_report", Decimal(-1))


def test_a_missing_report_withdraws_the_proposal_for_its_lateness(approved: FlaskClient) -> None:
    period, due = _this_month()
    office = bearer(approved, "office1")
    start(
        approved,
        office,
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": period},
    )
    alert_due_tasks(db.session, now=due + timedelta(minutes=1))
    # What the cut-off timer's step does (the timer itself follows the real clock).
    record_missing(db.session, actor=SYSTEM, unit_id=_unit("FGW").id, period=period, now=utcnow())
    db.session.commit()
    statuses = {p.rule_code: p.status for p in db.session.execute(select(Proposal)).scalars()}
    assert statuses == {
        "late_report": ProposalStatus.REJECTED,
        "missing_report": ProposalStatus.PROPOSED,
    }


def test_p_applies_each_rule_within_its_cap_and_stays_within_0_and_100(app: object) -> None:
    rules = {r.code: r for r in _rules()}
    many = [_proposal("missing_report", Decimal(-1)) for _ in range(14)]
    assert proposals.p_score(rules, many) == Decimal(90)  # capped at 10
    bonus = [_proposal("bonus", Decimal(5))]
    assert proposals.p_score(rules, bonus) == Decimal(100)


def _rules() -> list[ProcessRule]:
    return [
        ProcessRule(year=YEAR, code=d.code, name="", points=d.points, cap=d.cap)
        for d in proposals.DEFAULT_RULES
    ]


def _proposal(code: str, points: Decimal) -> Proposal:
    return Proposal(rule_code=code, points=points, status=ProposalStatus.CONFIRMED)


def _user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _office() -> User:
    return _user("office1")


def test_a_unit_with_nothing_to_report_or_a_report_already_ends_at_once(
    approved: FlaskClient,
) -> None:
    office = bearer(approved, "office1")
    period, _due = _this_month()
    data = {"year": YEAR, "period": period}
    nothing = start(approved, office, "progress_reporting", unit_code="GXT", data=data)
    first = start(approved, office, "progress_reporting", unit_code="FGW", data=data)
    again = start(approved, office, "progress_reporting", unit_code="FGW", data=data)
    assert [nothing["status"], first["status"], again["status"]] == [
        "completed",
        "waiting",
        "completed",
    ]
    ends = instance(approved, office, again["id"])["events"]
    assert any(e["element_id"] == "nothing_to_report" for e in ends)
    assert db.session.execute(select(func.count()).select_from(ProgressReport)).scalar_one() == 1


def test_a_report_names_each_row_to_fix_and_writes_nothing_until_all_are_right(
    approved: FlaskClient,
) -> None:
    fgw = _unit("FGW").id
    opened = open_report(
        db.session,
        actor=SYSTEM,
        unit_id=fgw,
        year=YEAR,
        period="2026-06",
        due_at=None,
        instance_id=None,
    )
    first, second, third = opened["entries"]
    rows = [{**first, "percent": 40}, {**second, "percent": 140}]
    answer = submit_report(
        db.session,
        actor=SYSTEM,
        unit_id=fgw,
        period="2026-06",
        rows=rows,
        evidence_ids=[],
        now=utcnow(),
    )
    assert answer["problems"] == [  # each where the form shows it: the row's cell, the table
        {
            "path": "entries/1/percent",
            "message": f"“{second['title']}”：完成进度须为 0 到 100 之间的整数。",
        },
        {"path": "entries", "message": f"“{third['title']}”：未填写进展。"},
    ]
    report = db.session.execute(select(ProgressReport)).scalar_one()
    assert (report.status, report.entries) == (ReportStatus.OPEN, [])
