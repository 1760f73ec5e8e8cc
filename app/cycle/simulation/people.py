"""The simulated people's day: the office's standing duties (the survey, P proposals), the
public's ratings, and everyone working their inbox through the workflow service."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from app.calendar.workdays import local_date
from app.cycle.simulation.forms import FormFiller
from app.cycle.simulation.province import Province
from app.evaluations.departments import ItemEntry
from app.evaluations.grid import GridEntry, grid_for
from app.evaluations.models import DepartmentItem, SheetKind
from app.evaluations.procedure import save_item, save_sheet
from app.evaluations.ratings.models import Channel, DailyRating, Level, Moderation
from app.evaluations.ratings.rules import RatingRules
from app.evaluations.ratings.services import Rater, RatingInput, submit_rating
from app.evaluations.survey.answering import submit_answers
from app.evaluations.survey.services import issue_invitations, survey_for_year
from app.progress.director import review
from app.progress.models import Proposal, ProposalStatus
from app.progress.proposals import decide
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from app.workflow.tasks.assignment import can_work
from app.workflow.tasks.human_tasks import complete_task, task_data
from app.workflow.tasks.task_forms import task_form

SHEETS_PER_GROUP = 6
LEVELS = (5, 4, 3, 2, 1)
LEVEL_WEIGHTS = (35, 35, 15, 10, 5)
LATE_REPORT_RATE = 0.12
LATE_APPEAL_RATE = 0.3


def _hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


class People:
    """Everyone in the simulated province, working as the day comes."""

    def __init__(
        self, province: Province, rng: random.Random, secret_key: str, start: datetime
    ) -> None:
        self.province, self.rng, self.secret_key = province, rng, secret_key
        self.province_start = start
        self.filler = FormFiller(province, rng)
        self.not_before: dict[str, datetime] = {}
        self.completed = 0
        self.surveyed = False
        self.late_appeals = 0
        self.timely_appeals = 0

    # -- the public ------------------------------------------------------------------------
    def bulk_ratings(self, session: Session, count: int) -> None:
        """`count` valid daily ratings spread over the year (written in bulk, as the QR page
        would have one by one)."""
        year, units = self.province.year, self.province.units
        rows: list[dict[str, Any]] = []
        for index in range(count):
            unit = units[index % len(units)]
            level = self.rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
            at = self.province_start + timedelta(minutes=self.rng.randrange(0, 360 * 24 * 60))
            rows.append(
                {
                    "unit_id": unit.id,
                    "year": year,
                    "level": level,
                    "comment": "",
                    "contact": "",
                    "channel": Channel.QR,
                    "device_hash": _hash(self.rng),
                    "client_hash": _hash(self.rng),
                    "rated_at": at,
                    "rated_on": local_date(at),
                    "flagged": False,
                    "flag_reason": "",
                    "moderation": Moderation.VALID,
                    "moderation_reason": "",
                }
            )
            per_level = self.province.truth.daily[unit.code]
            per_level[level] = per_level.get(level, 0) + 1
            if len(rows) >= 20_000:
                session.execute(insert(DailyRating), rows)
                rows = []
        if rows:
            session.execute(insert(DailyRating), rows)

    def bad_review(self, session: Session, now: datetime) -> None:
        """A citizen's 非常不满意 with a comment: the unit must rectify."""
        unit = self.rng.choice(self.province.units)
        submit_rating(
            session,
            unit=unit,
            rater=Rater(_hash(self.rng), _hash(self.rng)),
            form=RatingInput(
                level=str(int(Level.VERY_DISSATISFIED)), comment="办事窗口排队时间过长，态度差。"
            ),
            rules=RatingRules(),
            now=now,
        )
        per_level = self.province.truth.daily[unit.code]
        per_level[1] = per_level.get(1, 0) + 1

    # -- the office's standing duties -------------------------------------------------------
    def office_duties(self, session: Session, now: datetime) -> None:
        """Run the year-end survey once the evaluations are open; decide P proposals (the office
        confirms late reports, the director approves what the office confirmed)."""
        year = self.province.year
        office = self.province.actor("office1")
        evaluations_open = session.execute(
            select(ProcessInstance.id).where(
                ProcessInstance.process_key == "evaluations", ProcessInstance.year == year
            )
        ).first()
        if evaluations_open and not self.surveyed:
            self._survey(session, now)
            self.surveyed = True
        for proposal in session.execute(
            select(Proposal).where(
                Proposal.year == year, Proposal.status == ProposalStatus.PROPOSED
            )
        ).scalars():
            late = proposal.rule_code == "late_report"
            decide(
                session,
                actor=office,
                proposal_id=proposal.id,
                confirm=late,
                reason="情况属实。" if late else "非单位原因，不予扣分。",
                now=now,
            )
        director = self.province.actor("director1")
        for proposal in session.execute(
            select(Proposal).where(
                Proposal.year == year, Proposal.status == ProposalStatus.CONFIRMED
            )
        ).scalars():
            review(
                session, actor=director, proposal_id=proposal.id, approve=True, reason="", now=now
            )

    def _survey(self, session: Session, now: datetime) -> None:
        """Invite and answer on the survey the cycle created when it opened the evaluations."""
        office = self.province.actor("office1")
        survey = survey_for_year(session, self.province.year)
        if survey is None:
            raise RuntimeError("the annual cycle opened the evaluations without the survey")
        for group in survey.groups:
            tokens = issue_invitations(
                session,
                actor=office,
                group=group,
                count=SHEETS_PER_GROUP,
                secret_key=self.secret_key,
                now=now,
            )
            for token in tokens:
                answers = {}
                for unit in self.province.units:
                    level = self.rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                    answers[unit.code] = str(level)
                    per_level = self.province.truth.yearend[unit.code]
                    per_level[level] = per_level.get(level, 0) + 1
                submit_answers(session, token, answers, now=now)

    # -- inboxes ---------------------------------------------------------------------------
    def waiting(self) -> list[datetime]:
        """When postponed work will be done."""
        return list(self.not_before.values())

    def _worker(self, task: HumanTask) -> Any:
        return next((a for a in self.province.actors.values() if can_work(a, task)), None)

    def _delayed(self, task: HumanTask, now: datetime) -> bool:
        if task.id not in self.not_before:
            self.not_before[task.id] = now
            code = task.instance.data.get("unit_code") if task.instance.data else None
            if (
                task.due_at is not None
                and task.spec_id == "report"
                and self.rng.random() < LATE_REPORT_RATE
            ):
                self.not_before[task.id] = task.due_at + timedelta(hours=12)
                self.province.truth.late_reports[str(code)] += 1
            elif (
                task.due_at is not None
                and task.spec_id == "head_sign"
                and task.instance.process_key == "appeal"
                and self._signs_late()
            ):
                self.not_before[task.id] = task.due_at + timedelta(hours=12)
        return now < self.not_before[task.id]

    def _signs_late(self) -> bool:
        """Whether a head signs an appeal after the window: the first does, the second does
        not (so every run has one the office reviews), then three in ten."""
        late = self.late_appeals == 0 or (
            self.timely_appeals > 0 and self.rng.random() < LATE_APPEAL_RATE
        )
        if late:
            self.late_appeals += 1
        else:
            self.timely_appeals += 1
        return late

    def _evaluate(self, session: Session, task: HumanTask, actor: Any, now: datetime) -> bool:
        year, truth = self.province.year, self.province.truth
        if task.spec_id == "lead_unit_rating":
            code = str(task_data(session, actor, task)["work_key"]).split(":", 1)[1]
            led = grid_for(session, actor, year, SheetKind.LEAD_UNIT, code).units
            entries: dict[str, GridEntry] = {}
            for membership in led:
                score = self.rng.randint(70, 98)
                entries[membership.unit.code] = GridEntry(str(score))
                truth.group[membership.unit.code].append(Decimal(score))
            return save_sheet(
                session,
                actor=actor,
                year=year,
                kind=SheetKind.LEAD_UNIT,
                entries=entries,
                submit=True,
                now=now,
                unit_code=code,
            )
        if task.spec_id in ("leader_rating", "group_rating"):
            kind = SheetKind.LEADER if task.spec_id == "leader_rating" else SheetKind.LEADING_GROUP
            target = truth.leaders if kind is SheetKind.LEADER else truth.group
            grid: dict[str, GridEntry] = {}
            for unit in self.province.units:
                score = self.rng.randint(70, 98)
                grid[unit.code] = GridEntry(str(score))
                target[unit.code].append(Decimal(score))
            return save_sheet(
                session, actor=actor, year=year, kind=kind, entries=grid, submit=True, now=now
            )
        done = False
        for item in DepartmentItem:
            items: dict[str, ItemEntry] = {}
            for index, unit in enumerate(self.province.units):
                if item is DepartmentItem.ENERGY and index % 3 == 2:
                    items[unit.code] = ItemEntry(not_taking_part=True)
                    continue
                actual = (
                    Decimal(self.rng.randint(int(item.full_marks) * 6, int(item.full_marks) * 10))
                    / 10
                )
                items[unit.code] = ItemEntry(str(actual))
                truth.departmental[unit.code][item.value] = (actual, item.full_marks)
            done = (
                save_item(session, actor=actor, year=year, item=item, entries=items, now=now)
                or done
            )
        return done

    def work(self, session: Session, now: datetime) -> int:
        """Everyone works every ready task they can; how many were completed."""
        worked = 0
        for _round in range(8):
            tasks = (
                session.execute(
                    select(HumanTask)
                    .where(HumanTask.state == HumanTaskState.READY)
                    .options(joinedload(HumanTask.instance))
                    .order_by(
                        HumanTask.created_at, HumanTask.instance_id, HumanTask.spec_id, HumanTask.id
                    )
                )
                .scalars()
                .all()
            )
            progressed = 0
            for task in tasks:
                if task.state is not HumanTaskState.READY or self._delayed(task, now):
                    continue
                actor = self._worker(task)
                if actor is None:
                    continue
                progressed += self._complete(session, task, actor, now)
            worked += progressed
            self.completed += progressed
            if not progressed:
                break
        return worked

    def _complete(self, session: Session, task: HumanTask, actor: Any, now: datetime) -> int:
        evaluation = task.spec_id in (
            "leader_rating",
            "group_rating",
            "lead_unit_rating",
            "department_entry",
        )
        if evaluation and self._evaluate(session, task, actor, now):
            session.commit()
            return 1
        data = task_data(session, actor, task)
        schema = task_form(task).schema if task.form else {}
        filled = self.filler.fill(session, task, schema, data, now)
        complete_task(session, actor=actor, task_id=task.id, data=filled, now=now)
        session.commit()
        return 1
